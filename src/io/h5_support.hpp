#pragma once
// Private helpers of the HDF5 layer (src/io only): an owning handle for HDF5 identifiers, return
// code checks that throw h5_error, the mapping of element types to HDF5 types, and paths.

#include <infomorph/io/h5_file.hpp>

#include <hdf5.h>

#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace infomorph::io::h5 {

// Turns off HDF5's printing of its error stack (once per process): failures become exceptions
// that carry the stack's innermost message instead.
void silence_error_printing();

// Throws h5_error "<call> failed for <what>: <HDF5's message>" if status is negative; returns it.
// `what` names the file and the dataset, e.g. "dataset 'w' in 'out/ckpt.h5.tmp'".
hid_t check(hid_t status, std::string_view call, const std::string& what);

// An HDF5 identifier that closes itself (H5Fclose, H5Dclose, ... as fits its kind).
class handle {
  public:
    handle() = default;
    handle(hid_t id, std::string_view call, const std::string& what) : id_(check(id, call, what)) {}
    ~handle() { reset(); }
    handle(handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)) {}
    handle& operator=(handle&& other) noexcept {
        if (this != &other) {
            reset();
            id_ = std::exchange(other.id_, H5I_INVALID_HID);
        }
        return *this;
    }
    handle(const handle&) = delete;
    handle& operator=(const handle&) = delete;

    hid_t get() const { return id_; }
    bool valid() const { return id_ >= 0; }
    // Closes now, throwing h5_error if closing fails (closing a file flushes it).
    void close(const std::string& what);
    // Closes, ignoring failure (destructors).
    void reset() noexcept;

  private:
    hid_t id_ = H5I_INVALID_HID;
};

// The file and memory types of an element type, and its name for messages.
template <typename T>
struct element_type;
template <>
struct element_type<float> {
    static hid_t memory() { return H5T_NATIVE_FLOAT; }
    static hid_t file() { return H5T_IEEE_F32LE; }
    static constexpr const char* name = "float32";
};
template <>
struct element_type<double> {
    static hid_t memory() { return H5T_NATIVE_DOUBLE; }
    static hid_t file() { return H5T_IEEE_F64LE; }
    static constexpr const char* name = "float64";
};
template <>
struct element_type<std::uint32_t> {
    static hid_t memory() { return H5T_NATIVE_UINT32; }
    static hid_t file() { return H5T_STD_U32LE; }
    static constexpr const char* name = "uint32";
};
template <>
struct element_type<std::int64_t> {
    static hid_t memory() { return H5T_NATIVE_INT64; }
    static hid_t file() { return H5T_STD_I64LE; }
    static constexpr const char* name = "int64";
};
template <>
struct element_type<std::uint64_t> {
    static hid_t memory() { return H5T_NATIVE_UINT64; }
    static hid_t file() { return H5T_STD_U64LE; }
    static constexpr const char* name = "uint64";
};

// "float32", "int64", "string", ... for the type of a dataset or attribute.
std::string type_name(hid_t type);
// Whether a stored type is exactly what T's file type describes (class, size and sign).
bool same_element_type(hid_t type, hid_t expected_file_type);

// "layers/hidden/w" and "/layers/hidden/w" name the same object; "" and "/" the root.
std::string absolute(std::string_view object_path);
// Whether every link on the way to object_path exists (H5Lexists on each component).
bool exists(hid_t file, std::string_view object_path, const std::string& where);

// Runs step on this rank and agrees with the others on whether it failed anywhere (collective,
// one allreduce): if it threw here, rethrows that; if it threw only elsewhere, throws
// h5_error(if_other_failed). So every rank leaves together instead of some waiting in HDF5.
template <typename Step>
void agreed(const distributed_context& context, const std::string& if_other_failed, Step&& step) {
    std::exception_ptr error;
    try {
        step();
    } catch (...) {
        error = std::current_exception();
    }
    if (!context.any_failed(error != nullptr)) return;
    if (error) std::rethrow_exception(error);
    throw h5_error(if_other_failed);
}

// "10 x 3", "scalar".
std::string describe(const h5_shape& shape);
// Dimensions of a dataspace.
h5_shape dimensions(hid_t space, const std::string& what);

}  // namespace infomorph::io::h5
