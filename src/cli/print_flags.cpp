#include "print_flags.h"

#include "flexforge/core/error.h"
#include "flexforge/io/export.h"

#include <spdlog/spdlog.h>

namespace flexforge::cli {

void PrintFlags::declare(CLI::App& sub) {
  sub.add_flag("--print", enabled,
               "3D-print mode: unite the parts into one closed, self-intersection-free shell in "
               "millimetres, Z up, on the build plate (.3mf or .stl output)");
  sub.add_option("--size-mm", options.size_mm, "With --print: largest dimension of the print in mm")
      ->capture_default_str();
  sub.add_option("--print-resolution", options.resolution,
                 "With --print: field cells along the longest side (detail finer than a cell is lost)")
      ->capture_default_str();
  sub.add_option("--min-wall-mm", options.min_wall_mm,
                 "With --print: thicken every wall to at least this many mm (the surface grows outward by half "
                 "of it; 0 keeps the walls as modelled)")
      ->capture_default_str();
}

void PrintFlags::validate(const std::string& output) const {
  if (!enabled) return;
  if (!(options.size_mm >= 0.1 && options.size_mm <= 10000))
    throw Error(ExitCode::Usage, "--size-mm: expected 0.1 to 10000 millimetres");
  if (options.resolution < 32 || options.resolution > 1024)
    throw Error(ExitCode::Usage, "--print-resolution: expected 32 to 1024");
  if (!(options.min_wall_mm >= 0 && options.min_wall_mm <= options.size_mm / 10))
    throw Error(ExitCode::Usage, "--min-wall-mm: expected 0 to a tenth of --size-mm");
  const io::OutputFormat format = io::output_format_for(output);
  if (format != io::OutputFormat::ThreeMf && format != io::OutputFormat::Stl)
    throw Error(ExitCode::Usage, output + ": --print writes .3mf (units: millimetre) or .stl");
}

Scene PrintFlags::apply(const Scene& scene, nlohmann::json* report) const {
  const pipeline::PrintResult r = pipeline::make_print_shell(scene, options);
  const pipeline::PrintCheck& c = r.check;
  spdlog::info("print: one shell of {} faces, {:.1f} x {:.1f} x {:.1f} mm, {}closed, {} self-intersections, "
               "thinnest wall {:.2f} mm, overhangs {:.0f}% of the surface",
               r.shell.triangles.size(), c.size_mm[0], c.size_mm[1], c.size_mm[2], c.closed ? "" : "NOT ",
               c.self_intersections, c.min_wall_mm, 100 * c.overhang_share);
  if (r.wall_offset_mm > 0)
    spdlog::info("print: walls thickened to at least {:.2f} mm (surface moved out by {:.2f} mm)", options.min_wall_mm,
                 r.wall_offset_mm);
  if (r.parts_closed_first > 0) spdlog::info("print: {} open part(s) were closed first", r.parts_closed_first);
  if (r.dropped_pieces > 0)
    spdlog::warn("print: {} separate piece(s) not touching the main body removed ({:.1f}% of the surface)",
                 r.dropped_pieces, 100 * r.dropped_area_share);
  if (c.thin_share > 0.01)
    spdlog::warn("print: {:.0f}% of the surface has walls under {:.1f} mm (thinnest {:.2f} mm)", 100 * c.thin_share,
                 c.min_wall_threshold_mm, c.min_wall_mm);
  if (report) *report = r.to_json();
  return pipeline::print_scene(r, scene);
}

}  // namespace flexforge::cli
