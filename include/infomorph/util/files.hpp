#pragma once
// Small file-system policies shared by the readers and the run.

#include <filesystem>
#include <string>
#include <vector>

namespace infomorph {

// "" if path names an existing regular file (or a link to one); otherwise "no such file",
// "is a directory, not a file", "is not a regular file (a device, socket or pipe)", or the
// operating system's reason it cannot be inspected.
// Why a path cannot be read as a file, in words a user acts on: a directory named where a file
// is expected is not "missing", and saying so sends the user looking in the wrong place.
std::string unreadable_file_reason(const std::filesystem::path& path);

// Throws std::runtime_error "cannot write DIR/NAME: a directory of that name is in the way" for
// the first of the names under directory that is a directory: a run checks the files it will
// write at setup, not when the first of them fails after hours of training.
void require_no_directory_in_the_way(const std::filesystem::path& directory,
                                     const std::vector<std::string>& names);

// Writes text to path through path + ".tmp" and a rename, so that a reader (or a crash) sees
// the old file or the new one, never half of one. Throws std::runtime_error naming the file and
// the reason if it cannot be written; an older file of that name then stays as it was.
void write_file_atomically(const std::filesystem::path& path, const std::string& text);

}  // namespace infomorph
