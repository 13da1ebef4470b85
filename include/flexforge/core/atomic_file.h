// Atomic output: a reader (or a crashed run being resumed) sees either the complete old file, the
// complete new file, or nothing — never a half-written one. Everything is first written under a
// hidden temporary name in the destination directory (same filesystem) and then renamed.
#pragma once

#include <filesystem>
#include <functional>
#include <string_view>

namespace flexforge {

// Throws Error(OutputFailed) naming the path when the directory is missing or not writable.
void require_writable_parent(const std::filesystem::path& target);

// Writes `bytes` to `target` atomically (temporary file, fsync, rename).
void write_file_atomic(const std::filesystem::path& target, std::string_view bytes);

// For writers that produce several files or insist on writing paths themselves (Assimp, glTF
// with a .bin): `produce` gets a path with the target's file name inside a private staging
// directory next to the target. Every file it creates there is renamed into the target's
// directory (the target itself last); on any exception the staging directory is removed and
// nothing appears at the destination.
void write_files_atomic(const std::filesystem::path& target,
                        const std::function<void(const std::filesystem::path& staged)>& produce);

}  // namespace flexforge
