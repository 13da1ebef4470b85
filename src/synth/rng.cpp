#include "flexforge/synth/rng.h"

namespace flexforge::synth {

namespace {
std::uint64_t splitmix_finalize(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
}  // namespace

std::uint64_t asset_seed(std::uint64_t seed, std::uint64_t index) {
  // Two finalizer rounds so that neighbouring (seed, index) pairs give unrelated streams.
  return splitmix_finalize(splitmix_finalize(seed + 0x9e3779b97f4a7c15ULL) ^
                           (index * 0xd1b54a32d192ed03ULL + 0x2545f4914f6cdd1dULL));
}

std::uint64_t Rng::next() {
  state_ += 0x9e3779b97f4a7c15ULL;
  return splitmix_finalize(state_);
}

double Rng::uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }

float Rng::range(float lo, float hi) {
  return static_cast<float>(lo + (static_cast<double>(hi) - lo) * uniform());
}

int Rng::integer(int lo, int hi) {
  const std::uint64_t span = static_cast<std::uint64_t>(static_cast<std::int64_t>(hi) - lo) + 1;
  return static_cast<int>(lo + static_cast<std::int64_t>(next() % span));
}

bool Rng::chance(double p) { return uniform() < p; }

std::size_t Rng::index(std::size_t n) { return static_cast<std::size_t>(next() % n); }

}  // namespace flexforge::synth
