// Shared by the libFuzzer harnesses (scripts/fuzz.sh): the input bytes as a file, for the parsers
// that read paths, and the rule that a parser may reject input only with flexforge::Error.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

namespace flexforge::fuzz {

// A file in /tmp holding the input, removed when the object goes out of scope.
class TempInput {
 public:
  TempInput(const std::uint8_t* data, std::size_t size, const std::string& extension) {
    path_ = "/tmp/flexforge-fuzz-" + std::to_string(::getpid()) + extension;
    std::FILE* f = std::fopen(path_.c_str(), "wb");
    if (f) {
      if (size) std::fwrite(data, 1, size, f);
      std::fclose(f);
    }
  }
  ~TempInput() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace flexforge::fuzz
