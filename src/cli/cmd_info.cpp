// flexforge info: what this build is and what it can use.
#include "command.h"

#include "flexforge/build_info.h"
#include "flexforge/model/model_registry.h"
#include "flexforge/nn/runtime.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace flexforge::cli {

using namespace nn;

namespace {

class InfoCommand : public Command {
 public:
  std::string name() const override { return "info"; }
  std::string summary() const override {
    return "Version, build, torch, BLAS speed, devices and installed models";
  }
  void declare(CLI::App& sub) override {
    sub.add_flag("--json", json_, "Print one JSON object on stdout");
    sub.add_flag("--no-bench", no_bench_, "Skip the BLAS matmul benchmark (~0.5 s)");
  }
  int execute(const GlobalOptions& global) override {
    nlohmann::json info;
    info["version"] = FLEXFORGE_VERSION;
    info["build_type"] = FLEXFORGE_BUILD_TYPE;
    info["torch_version"] = torch_version();
    info["threads"] = thread_count();
    info["device"] = global.resolved_device;
    const DeviceInfo dev = device_info();
    info["cuda"] = {{"built", dev.cuda_built},
                    {"available", dev.cuda_available},
                    {"devices", dev.cuda_devices}};
    if (!no_bench_) {
      const BlasBenchmark blas = measure_blas();
      info["blas"] = {{"library", blas.library},
                      {"matmul_size", blas.size},
                      {"gflops", blas.gflops}};
    }
    nlohmann::json models = nlohmann::json::array();
    for (const model::InstalledModel& m : model::installed_models()) {
      models.push_back({{"name", m.name}, {"path", m.directory.string()}, {"bytes", m.bytes}});
    }
    info["models"] = models;
    nlohmann::json search = nlohmann::json::array();
    for (const auto& p : model::model_search_path()) search.push_back(p.string());
    info["model_search_path"] = search;

    if (json_) {
      std::cout << info.dump(2) << "\n";
      return 0;
    }
    std::printf("flexforge %s (%s)\n", FLEXFORGE_VERSION, FLEXFORGE_BUILD_TYPE);
    std::printf("torch      %s, %d threads, device %s\n", torch_version().c_str(),
                thread_count(), global.resolved_device.c_str());
    std::printf("cuda       %s\n",
                dev.cuda_available ? (std::to_string(dev.cuda_devices) + " device(s)").c_str()
                                   : "not available");
    if (!no_bench_) {
      std::printf("blas       %s: %.1f GFLOP/s (%dx%d float matmul)\n",
                  info["blas"]["library"].get<std::string>().c_str(),
                  info["blas"]["gflops"].get<double>(), info["blas"]["matmul_size"].get<int>(),
                  info["blas"]["matmul_size"].get<int>());
    }
    if (models.empty()) {
      std::printf("models     none installed (searched: %s)\n", search.dump().c_str());
    }
    for (const auto& m : models) {
      std::printf("model      %s  %s\n", m["name"].get<std::string>().c_str(),
                  m["path"].get<std::string>().c_str());
    }
    return 0;
  }

 private:
  bool json_ = false;
  bool no_bench_ = false;
};

}  // namespace

std::unique_ptr<Command> make_info_command() { return std::make_unique<InfoCommand>(); }

}  // namespace flexforge::cli
