#include <infomorph/util/files.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace infomorph {

std::string unreadable_file_reason(const std::filesystem::path& path) {
    std::error_code error;
    const std::filesystem::file_status status = std::filesystem::status(path, error);
    if (status.type() == std::filesystem::file_type::not_found) return "no such file";
    if (error) return "cannot be inspected: " + error.message();
    if (status.type() == std::filesystem::file_type::directory) return "is a directory, not a file";
    if (status.type() != std::filesystem::file_type::regular)
        return "is not a regular file (a device, socket or pipe)";
    return {};
}

void write_file_atomically(const std::filesystem::path& path, const std::string& text) {
    const std::filesystem::path temporary = path.string() + ".tmp";
    std::string problem;
    {
        errno = 0;
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (out) {
            out << text;
            out.flush();
        }
        if (!out) problem = errno != 0 ? std::strerror(errno) : "write error";
    }
    std::error_code error;
    if (problem.empty()) {
        std::filesystem::rename(temporary, path, error);
        if (!error) return;
        problem = error.message();
    }
    std::filesystem::remove(temporary, error);
    throw std::runtime_error("cannot write " + path.string() + ": " + problem);
}

void require_no_directory_in_the_way(const std::filesystem::path& directory,
                                     const std::vector<std::string>& names) {
    for (const std::string& name : names) {
        std::error_code error;
        if (std::filesystem::is_directory(directory / name, error))
            throw std::runtime_error("cannot write " + (directory / name).string() +
                                     ": a directory of that name is in the way");
    }
}

}  // namespace infomorph
