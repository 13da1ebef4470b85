// libFuzzer harness: the safetensors header parser, the part of the weights reader that reads
// untrusted bytes (a model directory a user points --model at). Bad files are rejected with
// flexforge::Error (exit 4); nothing may crash. Every record the parser accepts is checked
// against the promises the tensor reader relies on: ranges inside the data section, byte
// counts that match the shape.
#include "flexforge/core/error.h"
#include "flexforge/nn/safetensors_header.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace flexforge::nn;
  try {
    const auto header = parse_safetensors_header(data, size, "fuzz");
    const std::uint64_t data_size = size - header.data_offset;
    for (const auto& t : header.tensors) {
      std::uint64_t numel = 1;
      for (const auto d : t.shape) numel *= static_cast<std::uint64_t>(d);
      if (t.end > data_size || t.end < t.begin ||
          t.end - t.begin != numel * safetensors_element_size(t.dtype)) {
        std::abort();  // the parser accepted a record the reader would overrun
      }
    }
  } catch (const flexforge::Error&) {
  }
  return 0;
}
