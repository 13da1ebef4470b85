// libFuzzer harness: the image prompt path (header checks, then stb decoding and preparation).
// Any bytes must end in a prepared image or flexforge::Error, never a crash.
#include "flexforge/condition/image_input.h"
#include "flexforge/core/error.h"
#include "fuzz_support.h"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // PNG and JPEG signatures pick the extension, as a user's file name would.
  const bool jpeg = size >= 2 && data[0] == 0xFF && data[1] == 0xD8;
  const flexforge::fuzz::TempInput file(data, size, jpeg ? ".jpg" : ".png");
  try {
    (void)flexforge::condition::prepare_image_file(file.path());
  } catch (const flexforge::Error&) {
  }
  return 0;
}
