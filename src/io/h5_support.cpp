#include "io/h5_support.hpp"

#include <mutex>

namespace infomorph::io::h5 {
namespace {

// The innermost message of HDF5's error stack (where the error was detected, e.g. "unable to
// open file: name = '...', errno = 2, ..."), then clears the stack.
std::string take_error_message() {
    std::string message;
    H5Ewalk2(
        H5E_DEFAULT, H5E_WALK_DOWNWARD,
        [](unsigned, const H5E_error2_t* error, void* data) -> herr_t {
            if (error->desc != nullptr && error->desc[0] != '\0') {
                *static_cast<std::string*>(data) = error->desc;
            }
            return 0;
        },
        &message);
    H5Eclear2(H5E_DEFAULT);
    return message;
}

herr_t close_id(hid_t id) {
    switch (H5Iget_type(id)) {
        case H5I_FILE:
            return H5Fclose(id);
        case H5I_GROUP:
            return H5Gclose(id);
        case H5I_DATASET:
            return H5Dclose(id);
        case H5I_DATASPACE:
            return H5Sclose(id);
        case H5I_DATATYPE:
            return H5Tclose(id);
        case H5I_ATTR:
            return H5Aclose(id);
        case H5I_GENPROP_LST:
            return H5Pclose(id);
        default:
            return -1;
    }
}

}  // namespace

void silence_error_printing() {
    static std::once_flag once;
    std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

hid_t check(hid_t status, std::string_view call, const std::string& what) {
    if (status >= 0) return status;
    std::string message = std::string(call) + " failed for " + what;
    const std::string detail = take_error_message();
    if (!detail.empty()) message += ": " + detail;
    throw h5_error(message);
}

void handle::close(const std::string& what) {
    if (!valid()) return;
    const hid_t id = std::exchange(id_, H5I_INVALID_HID);
    check(close_id(id), "closing (H5Fclose, H5Dclose, ...)", what);
}

void handle::reset() noexcept {
    if (!valid()) return;
    if (close_id(std::exchange(id_, H5I_INVALID_HID)) < 0) H5Eclear2(H5E_DEFAULT);
}

std::string type_name(hid_t type) {
    const std::size_t bits = H5Tget_size(type) * 8;
    switch (H5Tget_class(type)) {
        case H5T_FLOAT:
            return "float" + std::to_string(bits);
        case H5T_INTEGER:
            return (H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + std::to_string(bits);
        case H5T_STRING:
            return "string";
        case H5T_COMPOUND:
            return "compound";
        default:
            return "another type";
    }
}

bool same_element_type(hid_t type, hid_t expected_file_type) {
    const H5T_class_t type_class = H5Tget_class(type);
    if (type_class != H5Tget_class(expected_file_type)) return false;
    if (H5Tget_size(type) != H5Tget_size(expected_file_type)) return false;
    return type_class != H5T_INTEGER || H5Tget_sign(type) == H5Tget_sign(expected_file_type);
}

std::string absolute(std::string_view object_path) {
    while (!object_path.empty() && object_path.front() == '/') object_path.remove_prefix(1);
    while (!object_path.empty() && object_path.back() == '/') object_path.remove_suffix(1);
    // Appended rather than "/" + std::string(...): that form trips GCC 12's false -Wrestrict.
    std::string path(1, '/');
    path.append(object_path);
    return path;
}

bool exists(hid_t file, std::string_view object_path, const std::string& where) {
    const std::string path = absolute(object_path);
    // H5Lexists fails (rather than answering false) if a group on the way is missing, so walk
    // the path one link at a time.
    std::size_t end = 1;
    while (end < path.size()) {
        end = path.find('/', end + 1);
        if (end == std::string::npos) end = path.size();
        const std::string prefix = path.substr(0, end);
        if (check(H5Lexists(file, prefix.c_str(), H5P_DEFAULT), "H5Lexists",
                  "'" + prefix + "' in " + where) == 0) {
            return false;
        }
        if (end < path.size()) {  // must be a group to look inside
            const handle object(H5Oopen(file, prefix.c_str(), H5P_DEFAULT), "H5Oopen",
                                "'" + prefix + "' in " + where);
            if (H5Iget_type(object.get()) != H5I_GROUP) return false;
        }
    }
    return true;
}

std::string describe(const h5_shape& shape) {
    if (shape.empty()) return "scalar";
    std::string text;
    for (std::size_t d = 0; d < shape.size(); ++d) {
        text += (d == 0 ? "" : " x ") + std::to_string(shape[d]);
    }
    return text;
}

h5_shape dimensions(hid_t space, const std::string& what) {
    const int rank = static_cast<int>(
        check(H5Sget_simple_extent_ndims(space), "H5Sget_simple_extent_ndims", what));
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    check(H5Sget_simple_extent_dims(space, dims.data(), nullptr), "H5Sget_simple_extent_dims",
          what);
    return h5_shape(dims.begin(), dims.end());
}

}  // namespace infomorph::io::h5
