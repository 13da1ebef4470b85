// A small reader for binary PLY files (little- and big-endian), used where Assimp cannot be:
// Debian 12's Assimp 5.2 skips line-end bytes after `end_header`, so it misreads a binary PLY whose
// data starts with '\n' or '\r' and then aborts the process (assimp issue #5692). The reader takes
// the `vertex` element (x, y, z; nx, ny, nz and red, green, blue, alpha when present) and the
// `face` element (a `vertex_indices` or `vertex_index` list, polygons fan-triangulated) and skips
// every other element and property. Every count and index is checked against the file, so a
// hostile file fails with Error(InvalidInput) "<path>: corrupt binary PLY: <reason>" instead of
// allocating what its header claims.
#pragma once

#include "flexforge/core/mesh.h"

#include <filesystem>

namespace flexforge::io::detail {

// True when the file starts like a binary PLY (a `ply` line, a `format binary_...` line and an
// `end_header` line within the first MiB) and the first byte after end_header's line end is '\n'
// or '\r': the files Assimp 5.2 misreads. False for every other file, and for unreadable ones.
bool binary_ply_data_starts_with_line_end(const std::filesystem::path& path);

// The mesh of a binary PLY file, as Assimp would import it: vertices in file order with exactly
// identical ones (same position, normal and colour) merged, as Assimp's JoinIdenticalVertices
// does; colours normalised to [0, 1] (integer channels divided by their type's maximum, float
// channels as stored, alpha 1 when absent), normals unit length ((0, 0, 1) where the file's is zero
// or not finite); polygons split into a fan of triangles, degenerate ones kept (Mesh::validate
// allows them; Assimp keeps them too); no triangles when the file has no face element. Calls
// check_input_faces before it allocates the faces.
// Throws Error(InvalidInput) "<path>: corrupt binary PLY: <reason>" on any malformed header,
// truncated data, out-of-range index, face of fewer than 3 vertices or non-finite position.
Mesh read_binary_ply(const std::filesystem::path& path);

}  // namespace flexforge::io::detail
