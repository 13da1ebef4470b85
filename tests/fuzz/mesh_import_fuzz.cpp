// libFuzzer harness: mesh import through the project's Assimp wrapper. The first byte picks the
// format (OBJ, OFF, STL, GLB), the rest is the file. Any bytes must load or end in
// flexforge::Error, never a crash.
#include "flexforge/core/error.h"
#include "flexforge/io/import.h"
#include "fuzz_support.h"

#include <cstdint>
#include <new>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  static const char* kExtensions[] = {".obj", ".off", ".stl", ".glb"};
  const flexforge::fuzz::TempInput file(data + 1, size - 1, kExtensions[data[0] % 4]);
  try {
    (void)flexforge::io::load_scene(file.path());
  } catch (const flexforge::Error&) {
  } catch (const std::bad_alloc&) {
    // A file claiming a huge element count; the CLI reports this as exit 7 (out of memory).
  }
  return 0;
}
