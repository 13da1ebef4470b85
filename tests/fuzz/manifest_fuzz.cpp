// libFuzzer harness: one JSONL manifest line. Any bytes either parse into a job or into a job
// with an error message; nothing may throw, crash or read out of bounds.
#include "flexforge/pipeline/manifest.h"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string line(reinterpret_cast<const char*>(data), size);
  const flexforge::pipeline::JobSpec job = flexforge::pipeline::parse_job_line(line, 1, "/tmp");
  (void)flexforge::pipeline::id_problem(job.id);
  return 0;
}
