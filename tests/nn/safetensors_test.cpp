// Weights I/O: bit-exact safetensors round trips, clear Error(Model) (CLI exit code 4) for
// truncated, corrupt and mismatched files, strict state loading with a readable diff, dtype
// conversion on load, model config.json helpers and parameter counting. No CLI command loads
// weights yet, so the exit-code mapping is checked on the library's Error code.
#include "flexforge/nn/model_config.h"
#include "flexforge/nn/safetensors.h"
#include "flexforge/nn/safetensors_header.h"
#include "flexforge/nn/weights.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <unistd.h>

namespace flexforge::nn {
namespace {

namespace fs = std::filesystem;

class WeightsFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("flexforge_nn_weights_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path file(const std::string& name) const { return dir_ / name; }
  static std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  static void write(const fs::path& p, const std::string& bytes) {
    std::ofstream(p, std::ios::binary) << bytes;
  }
  // Asserts that opening `p` fails with Error(Model) naming the file and containing `needle`.
  static void expect_model_error(const fs::path& p, const std::string& needle) {
    try {
      load_safetensors(p);
      FAIL() << "no error for " << p;
    } catch (const Error& e) {
      EXPECT_EQ(static_cast<int>(e.code()), 4);
      EXPECT_NE(std::string(e.what()).find(p.filename().string()), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  }
  fs::path dir_;
};

// A safetensors file's bytes: the length prefix, `json`, then `data_bytes` zero bytes.
std::string with_header(const std::string& json, size_t data_bytes) {
  std::string out(8, '\0');
  const uint64_t n = json.size();
  std::memcpy(out.data(), &n, 8);
  return out + json + std::string(data_bytes, '\0');
}

bool same_bytes(const torch::Tensor& a, const torch::Tensor& b) {
  return a.scalar_type() == b.scalar_type() && a.sizes() == b.sizes() &&
         std::memcmp(a.contiguous().data_ptr(), b.contiguous().data_ptr(),
                     a.numel() * a.element_size()) == 0;
}

TensorMap sample_tensors() {
  torch::manual_seed(1);
  const float specials[] = {0.f, -0.f, std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity(),
                            std::numeric_limits<float>::quiet_NaN(),
                            std::numeric_limits<float>::denorm_min(), 1e38f, -3.5f};
  return {
      {"f32", torch::randn({3, 5})},
      {"f32.special", torch::from_blob(const_cast<float*>(specials), {8}).clone()},
      {"f16", torch::randn({7}).to(torch::kHalf)},
      {"bf16", torch::randn({2, 2, 3}).to(torch::kBFloat16)},
      {"i64", torch::arange(-3, 3)},
      {"mask", torch::tensor({true, false, true})},
      {"scalar", torch::tensor(2.5f)},
      {"empty", torch::zeros({0, 4})},
  };
}

TEST_F(WeightsFiles, SafetensorsRoundTripIsBitExact) {
  const auto tensors = sample_tensors();
  save_safetensors(file("a.safetensors"), tensors, {{"format", "pt"}, {"note", "test"}});
  const SafetensorsFile f(file("a.safetensors"));
  EXPECT_EQ(f.metadata().at("note"), "test");
  const auto loaded = f.all();
  ASSERT_EQ(loaded.size(), tensors.size());
  for (const auto& [name, t] : tensors) {
    EXPECT_TRUE(same_bytes(loaded.at(name), t)) << name;
  }
  // Writing what was read reproduces the file byte for byte.
  save_safetensors(file("b.safetensors"), loaded, f.metadata());
  EXPECT_EQ(read(file("a.safetensors")), read(file("b.safetensors")));
  // The header is padded so the data section starts 8-byte aligned.
  const auto bytes = read(file("a.safetensors"));
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ(n % 8, 0u);
  EXPECT_EQ(bytes.substr(8, 1), "{");
}

TEST_F(WeightsFiles, TruncatedFilesRaiseModelErrorsNamingTheFile) {
  save_safetensors(file("full.safetensors"), sample_tensors());
  const auto bytes = read(file("full.safetensors"));
  uint64_t header = 0;
  std::memcpy(&header, bytes.data(), 8);
  write(file("empty.safetensors"), "");
  expect_model_error(file("empty.safetensors"), "truncated");
  write(file("len.safetensors"), bytes.substr(0, 5));
  expect_model_error(file("len.safetensors"), "truncated");
  write(file("header.safetensors"), bytes.substr(0, 8 + header / 2));
  expect_model_error(file("header.safetensors"), "truncated");
  write(file("data.safetensors"), bytes.substr(0, bytes.size() - 3));
  expect_model_error(file("data.safetensors"), "truncated");
  expect_model_error(file("missing.safetensors"), "cannot open");
}

TEST_F(WeightsFiles, CorruptHeadersRaiseModelErrors) {
  write(file("junk.safetensors"), with_header("{not json", 16));
  expect_model_error(file("junk.safetensors"), "corrupt");
  write(file("huge.safetensors"), std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8) + "{}");
  expect_model_error(file("huge.safetensors"), "corrupt");
  write(file("dtype.safetensors"),
        with_header(R"({"w":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}})", 8));
  expect_model_error(file("dtype.safetensors"), "unsupported dtype");
  write(file("size.safetensors"),
        with_header(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8));
  expect_model_error(file("size.safetensors"), "needs 12 bytes");
  write(file("overlap.safetensors"),
        with_header(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                    R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                    12));
  expect_model_error(file("overlap.safetensors"), "overlap");
  write(file("fields.safetensors"), with_header(R"({"w":{"dtype":"F32"}})", 0));
  expect_model_error(file("fields.safetensors"), "lacks");
  // A shape whose byte count wraps 64 bits around (2^40 * 2^40 * 2^14 * 4 bytes = 2^96 = 0 mod
  // 2^64 in an unchecked product) must not pass as an empty tensor.
  write(file("wrap.safetensors"),
        with_header(R"({"w":{"dtype":"F32","shape":[1099511627776,1099511627776,16384],)"
                    R"("data_offsets":[0,0]}})", 8));
  expect_model_error(file("wrap.safetensors"), "overflows");
  write(file("dim.safetensors"),
        with_header(R"({"w":{"dtype":"F32","shape":[0,18446744073709551615],"data_offsets":[0,0]}})", 0));
  expect_model_error(file("dim.safetensors"), "shape");
}

TEST_F(WeightsFiles, HeaderParsesWithoutTorchFromBytes) {
  const std::string bytes =
      with_header(R"({"__metadata__":{"k":"v"},"b":{"dtype":"BF16","shape":[2,0],"data_offsets":[8,8]},)"
                  R"("a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})", 8);
  const auto header = parse_safetensors_header(reinterpret_cast<const uint8_t*>(bytes.data()),
                                               bytes.size(), "mem");
  ASSERT_EQ(header.tensors.size(), 2u);
  EXPECT_EQ(header.metadata.at("k"), "v");
  EXPECT_EQ(header.data_offset + 8, bytes.size());
  for (const auto& t : header.tensors) {
    if (t.name == "a") EXPECT_EQ(t.dtype, "I64");
    if (t.name == "b") EXPECT_EQ(t.shape, (std::vector<int64_t>{2, 0}));
  }
  try {
    (void)parse_safetensors_header(reinterpret_cast<const uint8_t*>(bytes.data()), 5, "mem");
    FAIL() << "a 5-byte prefix parsed";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::Model);
    EXPECT_NE(std::string(e.what()).find("mem: truncated"), std::string::npos) << e.what();
  }
}

struct Tiny : torch::nn::Module {
  Tiny(int64_t in, int64_t out) {
    fc = register_module("fc", torch::nn::Linear(in, out));
    norm = register_module("norm", torch::nn::BatchNorm1d(out));  // has buffers
  }
  torch::nn::Linear fc{nullptr};
  torch::nn::BatchNorm1d norm{nullptr};
};

TEST_F(WeightsFiles, StrictLoadingReportsAReadableDiffAndLeavesTheModelUntouched) {
  Tiny source(4, 3);
  auto tensors = state_dict(source);
  tensors.erase("fc.bias");
  tensors["head.weight"] = torch::zeros({2});
  tensors["fc.weight"] = torch::zeros({3, 5});
  save_safetensors(file("bad.safetensors"), tensors);

  Tiny target(4, 3);
  const auto before = target.fc->weight.clone();
  try {
    load_weights(target, file("bad.safetensors"));
    FAIL() << "mismatched weights loaded";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(static_cast<int>(e.code()), 4);
    EXPECT_NE(msg.find("bad.safetensors does not match the model"), std::string::npos) << msg;
    EXPECT_NE(msg.find("1 missing key: fc.bias"), std::string::npos) << msg;
    EXPECT_NE(msg.find("1 unexpected key: head.weight"), std::string::npos) << msg;
    EXPECT_NE(msg.find("fc.weight file [3, 5] vs model [3, 4]"), std::string::npos) << msg;
  }
  EXPECT_TRUE(torch::equal(before, target.fc->weight));
}

TEST_F(WeightsFiles, LoadingConvertsHalfPrecisionCheckpoints) {
  Tiny source(6, 4);
  {
    torch::NoGradGuard no_grad;
    source.norm->running_mean.uniform_();
  }
  for (const auto type : {torch::kHalf, torch::kBFloat16}) {
    TensorMap half;
    for (const auto& [name, t] : state_dict(source)) {
      half[name] = t.is_floating_point() ? t.to(type) : t;
    }
    save_safetensors(file("half.safetensors"), half);
    Tiny target(6, 4);
    load_weights(target, file("half.safetensors"));
    EXPECT_EQ(target.fc->weight.scalar_type(), torch::kFloat);
    EXPECT_TRUE(torch::allclose(target.fc->weight, source.fc->weight, 1e-2, 1e-2));
    EXPECT_TRUE(torch::allclose(target.norm->running_mean, source.norm->running_mean, 1e-2, 1e-2));
    EXPECT_EQ(target.norm->num_batches_tracked.item<int64_t>(),
              source.norm->num_batches_tracked.item<int64_t>());
  }
  // Exact fp32 round trip through save_weights/load_weights.
  save_weights(source, file("f32.safetensors"));
  Tiny exact(6, 4);
  load_weights(exact, file("f32.safetensors"));
  EXPECT_TRUE(torch::equal(exact.fc->weight, source.fc->weight));
  // Non-strict loading tolerates missing keys but still checks shapes.
  TensorMap partial{{"fc.weight", torch::ones({4, 6})}};
  load_state_dict(exact, partial, "partial", LoadOptions{false});
  EXPECT_TRUE(torch::equal(exact.fc->weight, torch::ones({4, 6})));
  TensorMap wrong{{"fc.weight", torch::ones({4, 7})}};
  EXPECT_THROW(load_state_dict(exact, wrong, "wrong", LoadOptions{false}), Error);
}

TEST_F(WeightsFiles, ModelConfigAndParameterCount) {
  ModelConfig config;
  config.name = "SparseFlexDecoder";
  config.args = {{"channels", 64}, {"blocks", 2}, {"window", 8}};
  write_model_config(file("config.json"), config);
  const auto back = read_model_config(file("config.json"));
  EXPECT_EQ(back.name, "SparseFlexDecoder");
  EXPECT_EQ(back.get<int>("channels"), 64);
  EXPECT_EQ(back.get<int>("heads", 4), 4);
  try {
    back.get<std::string>("channels");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::Model);
    EXPECT_NE(std::string(e.what()).find("config.json: argument 'channels'"), std::string::npos);
  }
  EXPECT_THROW(back.get<int>("depth"), Error);
  write(file("bad.json"), R"({"args": {}})");
  EXPECT_THROW(read_model_config(file("bad.json")), Error);
  EXPECT_THROW(read_model_config(file("absent.json")), Error);

  Tiny tiny(4, 3);
  EXPECT_EQ(count_parameters(tiny), 4 * 3 + 3 + 3 + 3);  // fc + BatchNorm affine
  tiny.fc->bias.set_requires_grad(false);
  EXPECT_EQ(count_parameters(tiny, true), 4 * 3 + 3 + 3);
}

}  // namespace
}  // namespace flexforge::nn
