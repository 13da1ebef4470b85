// Deterministic random numbers for the procedural dataset.
//
// The standard library's distributions are implementation-defined (libstdc++ and libc++ give
// different floats for the same engine state), so a dataset seeded with them would not be
// reproducible across toolchains. Rng is SplitMix64 (Steele, Lea, Flood 2014, "Fast splittable
// pseudorandom number generators") with distributions written here in plain integer/double
// arithmetic: the same seed gives the same sequence on every platform.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace flexforge::synth {

// Seed of asset `index` in a dataset seeded with `seed`: a pure function of both, so asset i can
// be generated alone (shards, resume, random access from a training loader).
std::uint64_t asset_seed(std::uint64_t seed, std::uint64_t index);

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  // Uniform in [0, 1), 53 random bits.
  double uniform();
  // Uniform in [lo, hi).
  float range(float lo, float hi);
  // Uniform integer in [lo, hi] (inclusive); lo <= hi.
  int integer(int lo, int hi);
  // True with probability p.
  bool chance(double p);
  // Uniform element index of a container of size n > 0.
  std::size_t index(std::size_t n);
  template <typename T>
  const T& pick(const std::vector<T>& items) {
    return items[index(items.size())];
  }

 private:
  std::uint64_t state_;
};

}  // namespace flexforge::synth
