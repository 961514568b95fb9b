// HDF5 writer and reader on the C API. Every HDF5 call's result goes through h5::check (or a
// handle), which throws h5_error naming the call and the file and dataset.

#include <infomorph/io/h5_file.hpp>

#include <infomorph/util/files.hpp>

#include "comm/native_communicator.hpp"
#include "io/h5_support.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <functional>
#include <numeric>
#include <system_error>

namespace infomorph::io {
namespace {

std::size_t product(h5_shape::const_iterator first, h5_shape::const_iterator last) {
    return std::accumulate(first, last, std::size_t{1}, std::multiplies<>());
}

std::vector<hsize_t> to_hsize(const h5_shape& shape) {
    return std::vector<hsize_t>(shape.begin(), shape.end());
}

// A 1-D memory dataspace for `n` elements; with none, one element of which nothing is selected
// (HDF5 wants a buffer and a non-empty extent even when nothing moves).
h5::handle memory_space(std::size_t n, const std::string& what) {
    const hsize_t extent = n == 0 ? 1 : n;
    h5::handle space(H5Screate_simple(1, &extent, nullptr), "H5Screate_simple", what);
    if (n == 0) h5::check(H5Sselect_none(space.get()), "H5Sselect_none", what);
    return space;
}

// Selects rows [first, first + count) of a dataspace of `shape` (rank >= 1), or nothing.
void select_rows(hid_t space, const h5_shape& shape, std::size_t first, std::size_t count,
                 const std::string& what) {
    if (count == 0 || product(shape.begin(), shape.end()) == 0) {
        h5::check(H5Sselect_none(space), "H5Sselect_none", what);
        return;
    }
    std::vector<hsize_t> start(shape.size(), 0);
    std::vector<hsize_t> counts = to_hsize(shape);
    start[0] = first;
    counts[0] = count;
    h5::check(
        H5Sselect_hyperslab(space, H5S_SELECT_SET, start.data(), nullptr, counts.data(), nullptr),
        "H5Sselect_hyperslab", what);
}

h5::handle string_type(const std::string& what) {
    h5::handle type(H5Tcopy(H5T_C_S1), "H5Tcopy", what);
    h5::check(H5Tset_size(type.get(), H5T_VARIABLE), "H5Tset_size", what);
    h5::check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "H5Tset_cset", what);
    return type;
}

// File access with MPI-IO over the context's ranks when there are several, and the matching
// transfer property list (collective); serial defaults otherwise.
struct access_properties {
    h5::handle file_access;
    h5::handle transfer;
};

access_properties make_access(const distributed_context& context, const std::string& what) {
    access_properties result;
    result.file_access = h5::handle(H5Pcreate(H5P_FILE_ACCESS), "H5Pcreate", what);
    if (context.size() > 1) {
        h5::check(
            H5Pset_fapl_mpio(result.file_access.get(), native_communicator(context), MPI_INFO_NULL),
            "H5Pset_fapl_mpio", what);
        result.transfer = h5::handle(H5Pcreate(H5P_DATASET_XFER), "H5Pcreate", what);
        h5::check(H5Pset_dxpl_mpio(result.transfer.get(), H5FD_MPIO_COLLECTIVE), "H5Pset_dxpl_mpio",
                  what);
    }
    return result;
}

std::string quoted(const std::filesystem::path& path) {
    // Appended rather than "'" + path.string(): that form trips GCC 12's false -Wrestrict.
    std::string result(1, '\'');
    result += path.string();
    result += '\'';
    return result;
}

}  // namespace

// ----------------------------------------------------------------------------------------------
// h5_writer

struct h5_writer::impl {
    impl(std::filesystem::path final_name, const distributed_context& ctx)
        : final_path(std::move(final_name)), context(ctx) {
        temporary = final_path;
        temporary += ".tmp";
    }

    std::filesystem::path final_path;
    std::filesystem::path temporary;
    distributed_context context;
    h5::handle file;
    h5::handle transfer;  // invalid: H5P_DEFAULT (serial)
    bool committed = false;

    hid_t transfer_list() const { return transfer.valid() ? transfer.get() : H5P_DEFAULT; }
    std::string where() const { return quoted(temporary); }
    std::string dataset_where(std::string_view dataset) const {
        return "dataset '" + h5::absolute(dataset) + "' in " + where();
    }

    void require_open(std::string_view operation) const {
        if (!file.valid()) {
            throw std::logic_error("h5_writer: " + std::string(operation) + " on " +
                                   quoted(final_path) +
                                   (committed ? " after commit()" : " after a failed commit()"));
        }
    }

    h5::handle link_creation(const std::string& what) const {
        h5::handle properties(H5Pcreate(H5P_LINK_CREATE), "H5Pcreate", what);
        h5::check(H5Pset_create_intermediate_group(properties.get(), 1),
                  "H5Pset_create_intermediate_group", what);
        return properties;
    }

    // Creates a dataset of `shape` and writes this rank's part: rows [first, first + count) of
    // it from `data`, or nothing if !selected. Collective.
    template <h5_element T>
    void write_block(std::string_view dataset, const h5_shape& shape, std::size_t first,
                     std::size_t count, bool selected, std::span<const T> data) {
        const std::string what = dataset_where(dataset);
        const std::string path = h5::absolute(dataset);
        const std::vector<hsize_t> dims = to_hsize(shape);
        h5::handle file_space(
            shape.empty() ? H5Screate(H5S_SCALAR)
                          : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
            "H5Screate_simple", what);
        const h5::handle links = link_creation(what);
        h5::handle set(H5Dcreate2(file.get(), path.c_str(), h5::element_type<T>::file(),
                                  file_space.get(), links.get(), H5P_DEFAULT, H5P_DEFAULT),
                       "H5Dcreate2", what);
        if (product(shape.begin(), shape.end()) > 0) {
            const bool any = selected && !data.empty();
            const h5::handle memory = memory_space(any ? data.size() : 0, what);
            if (!any) {
                h5::check(H5Sselect_none(file_space.get()), "H5Sselect_none", what);
            } else if (!shape.empty()) {
                select_rows(file_space.get(), shape, first, count, what);
            }
            const T unused{};
            h5::check(H5Dwrite(set.get(), h5::element_type<T>::memory(), memory.get(),
                               file_space.get(), transfer_list(), any ? data.data() : &unused),
                      "H5Dwrite", what);
        }
        set.close(what);
    }

    template <h5_element T>
    void write_rows(std::string_view dataset, std::size_t n_rows, std::size_t n_cols,
                    std::size_t first_row, std::span<const T> local) {
        require_open("write_rows");
        std::size_t local_rows = 0;
        h5::agreed(
            context, "h5_writer: another rank passed invalid rows for " + dataset_where(dataset),
            [&] {
                const std::string rank = "rank " + std::to_string(context.rank());
                if (n_cols == 0) {
                    if (!local.empty()) {
                        throw std::invalid_argument(
                            "h5_writer: " + dataset_where(dataset) + ": " + rank + " passes " +
                            std::to_string(local.size()) + " values for a table with no columns");
                    }
                    return;
                }
                if (local.size() % n_cols != 0) {
                    throw std::invalid_argument("h5_writer: " + dataset_where(dataset) + ": " +
                                                rank + " passes " + std::to_string(local.size()) +
                                                " values, not a multiple of " +
                                                std::to_string(n_cols) + " columns");
                }
                local_rows = local.size() / n_cols;
                if (first_row > n_rows || local_rows > n_rows - first_row) {
                    throw std::invalid_argument(
                        "h5_writer: " + dataset_where(dataset) + ": " + rank + " passes rows [" +
                        std::to_string(first_row) + ", " + std::to_string(first_row + local_rows) +
                        ") of a table of " + std::to_string(n_rows) + " rows");
                }
            });
        write_block(dataset, h5_shape{n_rows, n_cols}, first_row, local_rows, true, local);
    }

    template <h5_element T>
    void write_vector(std::string_view dataset, std::size_t n_total, std::size_t first,
                      std::span<const T> local) {
        require_open("write_vector");
        h5::agreed(
            context,
            "h5_writer: another rank passed an invalid range for " + dataset_where(dataset), [&] {
                if (first > n_total || local.size() > n_total - first) {
                    throw std::invalid_argument("h5_writer: " + dataset_where(dataset) + ": rank " +
                                                std::to_string(context.rank()) +
                                                " passes elements [" + std::to_string(first) +
                                                ", " + std::to_string(first + local.size()) +
                                                ") of a vector of " + std::to_string(n_total));
                }
            });
        write_block(dataset, h5_shape{n_total}, first, local.size(), true, local);
    }

    template <h5_element T>
    void write_array(std::string_view dataset, const h5_shape& shape, std::span<const T> data) {
        require_open("write_array");
        const std::size_t n = product(shape.begin(), shape.end());
        h5::agreed(context, "h5_writer: rank 0 passed invalid data for " + dataset_where(dataset),
                   [&] {
                       if (context.is_root() && data.size() != n) {
                           throw std::invalid_argument("h5_writer: " + dataset_where(dataset) +
                                                       ": " + std::to_string(data.size()) +
                                                       " values for shape " + h5::describe(shape) +
                                                       " (" + std::to_string(n) + " values)");
                       }
                   });
        const std::size_t rows = shape.empty() ? 1 : shape[0];
        write_block(dataset, shape, 0, rows, context.is_root(), data);
    }

    // Writes a scalar attribute; creates the object as a group if it does not exist.
    void write_attribute(std::string_view object_path, std::string_view name, hid_t file_type,
                         hid_t memory_type, const void* value) {
        require_open("set_attribute");
        const std::string path = h5::absolute(object_path);
        const std::string attribute(name);
        const std::string what = "attribute '" + attribute + "' of '" + path + "' in " + where();
        if (!h5::exists(file.get(), path, where())) {
            const h5::handle links = link_creation(what);
            h5::handle group(
                H5Gcreate2(file.get(), path.c_str(), links.get(), H5P_DEFAULT, H5P_DEFAULT),
                "H5Gcreate2", what);
            group.close(what);
        }
        const h5::handle object(H5Oopen(file.get(), path.c_str(), H5P_DEFAULT), "H5Oopen", what);
        if (h5::check(H5Aexists(object.get(), attribute.c_str()), "H5Aexists", what) > 0) {
            h5::check(H5Adelete(object.get(), attribute.c_str()), "H5Adelete", what);
        }
        const h5::handle space(H5Screate(H5S_SCALAR), "H5Screate", what);
        h5::handle written(H5Acreate2(object.get(), attribute.c_str(), file_type, space.get(),
                                      H5P_DEFAULT, H5P_DEFAULT),
                           "H5Acreate2", what);
        h5::check(H5Awrite(written.get(), memory_type, value), "H5Awrite", what);
        written.close(what);
    }
};

h5_writer::h5_writer(std::filesystem::path path, const distributed_context& context)
    : impl_(std::make_unique<impl>(std::move(path), context)) {
    h5::silence_error_printing();
    impl& f = *impl_;
    h5::agreed(f.context, "h5_writer: another rank could not create " + f.where(), [&] {
        access_properties access = make_access(f.context, f.where());
        f.transfer = std::move(access.transfer);
        f.file = h5::handle(
            H5Fcreate(f.temporary.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access.file_access.get()),
            "H5Fcreate", "file " + f.where());
    });
}

h5_writer::~h5_writer() {
    if (!impl_) return;
    impl_->transfer.reset();
    impl_->file.reset();
    if (!impl_->committed && impl_->context.is_root()) {
        std::error_code ignored;
        std::filesystem::remove(impl_->temporary, ignored);
    }
}

h5_writer::h5_writer(h5_writer&& other) noexcept = default;

const std::filesystem::path& h5_writer::path() const {
    return impl_->final_path;
}
std::filesystem::path h5_writer::temporary_path() const {
    return impl_->temporary;
}

void h5_writer::write_rows(std::string_view dataset, std::size_t n_rows, std::size_t n_cols,
                           std::size_t first_row, std::span<const float> local) {
    impl_->write_rows(dataset, n_rows, n_cols, first_row, local);
}
void h5_writer::write_rows(std::string_view dataset, std::size_t n_rows, std::size_t n_cols,
                           std::size_t first_row, std::span<const double> local) {
    impl_->write_rows(dataset, n_rows, n_cols, first_row, local);
}
void h5_writer::write_rows(std::string_view dataset, std::size_t n_rows, std::size_t n_cols,
                           std::size_t first_row, std::span<const std::uint32_t> local) {
    impl_->write_rows(dataset, n_rows, n_cols, first_row, local);
}
void h5_writer::write_rows(std::string_view dataset, std::size_t n_rows, std::size_t n_cols,
                           std::size_t first_row, std::span<const std::int64_t> local) {
    impl_->write_rows(dataset, n_rows, n_cols, first_row, local);
}

void h5_writer::write_vector(std::string_view dataset, std::size_t n_total, std::size_t first,
                             std::span<const float> local) {
    impl_->write_vector(dataset, n_total, first, local);
}
void h5_writer::write_vector(std::string_view dataset, std::size_t n_total, std::size_t first,
                             std::span<const double> local) {
    impl_->write_vector(dataset, n_total, first, local);
}
void h5_writer::write_vector(std::string_view dataset, std::size_t n_total, std::size_t first,
                             std::span<const std::uint32_t> local) {
    impl_->write_vector(dataset, n_total, first, local);
}
void h5_writer::write_vector(std::string_view dataset, std::size_t n_total, std::size_t first,
                             std::span<const std::int64_t> local) {
    impl_->write_vector(dataset, n_total, first, local);
}

void h5_writer::write_array(std::string_view dataset, const h5_shape& shape,
                            std::span<const float> data) {
    impl_->write_array(dataset, shape, data);
}
void h5_writer::write_array(std::string_view dataset, const h5_shape& shape,
                            std::span<const double> data) {
    impl_->write_array(dataset, shape, data);
}
void h5_writer::write_array(std::string_view dataset, const h5_shape& shape,
                            std::span<const std::uint32_t> data) {
    impl_->write_array(dataset, shape, data);
}
void h5_writer::write_array(std::string_view dataset, const h5_shape& shape,
                            std::span<const std::int64_t> data) {
    impl_->write_array(dataset, shape, data);
}
void h5_writer::write_array(std::string_view dataset, const h5_shape& shape,
                            std::span<const std::uint64_t> data) {
    impl_->write_array(dataset, shape, data);
}

void h5_writer::set_attribute(std::string_view object_path, std::string_view name,
                              std::string_view value) {
    impl& f = *impl_;
    // Rank 0's text on every rank: HDF5 needs the same metadata from all ranks.
    const std::string text = f.context.broadcast_from_root(std::string(value));
    const char* pointer = text.c_str();
    const h5::handle type = string_type("attribute '" + std::string(name) + "' in " + f.where());
    f.write_attribute(object_path, name, type.get(), type.get(), &pointer);
}

void h5_writer::set_attribute(std::string_view object_path, std::string_view name, double value) {
    impl& f = *impl_;
    std::string bytes(sizeof value, '\0');
    std::memcpy(bytes.data(), &value, sizeof value);
    bytes = f.context.broadcast_from_root(std::move(bytes));
    std::memcpy(&value, bytes.data(), sizeof value);
    f.write_attribute(object_path, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

void h5_writer::set_integer_attribute(std::string_view object_path, std::string_view name,
                                      std::uint64_t bits, bool as_uint64) {
    impl& f = *impl_;
    // Value and kind from rank 0, so that every rank creates the same attribute type.
    std::string message(sizeof bits + 1, '\0');
    std::memcpy(message.data(), &bits, sizeof bits);
    message.back() = as_uint64 ? '\1' : '\0';
    message = f.context.broadcast_from_root(std::move(message));
    std::memcpy(&bits, message.data(), sizeof bits);
    if (message.back() != '\0') {
        f.write_attribute(object_path, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, &bits);
    } else {
        const auto value = std::bit_cast<std::int64_t>(bits);
        f.write_attribute(object_path, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
    }
}

void h5_writer::commit() {
    impl& f = *impl_;
    f.require_open("commit");
    f.transfer.reset();
    // Every rank closes (collective with MPI-IO); any_failed then tells rank 0 that all have.
    h5::agreed(f.context, "h5_writer: another rank could not close " + f.where(),
               [&] { f.file.close("file " + f.where()); });
    h5::agreed(f.context,
               "h5_writer: rank 0 could not rename " + f.where() + " to " + quoted(f.final_path),
               [&] {
                   if (!f.context.is_root()) return;
                   std::error_code error;
                   std::filesystem::rename(f.temporary, f.final_path, error);
                   if (error) {
                       throw h5_error("h5_writer: renaming " + f.where() + " to " +
                                      quoted(f.final_path) + " failed: " + error.message());
                   }
               });
    f.committed = true;
}

// ----------------------------------------------------------------------------------------------
// h5_reader

struct h5_reader::impl {
    impl(std::filesystem::path file_name, const distributed_context& ctx)
        : path(std::move(file_name)), context(ctx) {}

    std::filesystem::path path;
    distributed_context context;
    h5::handle file;
    h5::handle transfer;

    hid_t transfer_list() const { return transfer.valid() ? transfer.get() : H5P_DEFAULT; }
    std::string where() const { return quoted(path); }
    std::string dataset_where(std::string_view dataset) const {
        return "dataset '" + h5::absolute(dataset) + "' in " + where();
    }

    h5::handle open_dataset(std::string_view dataset) const {
        const std::string what = dataset_where(dataset);
        const std::string name = h5::absolute(dataset);
        if (!h5::exists(file.get(), name, where())) throw h5_error("h5_reader: no " + what);
        return h5::handle(H5Dopen2(file.get(), name.c_str(), H5P_DEFAULT), "H5Dopen2", what);
    }

    h5_shape shape_of(hid_t set, const std::string& what) const {
        const h5::handle space(H5Dget_space(set), "H5Dget_space", what);
        return h5::dimensions(space.get(), what);
    }

    template <h5_element T>
    void require_type(hid_t set, const std::string& what) const {
        const h5::handle type(H5Dget_type(set), "H5Dget_type", what);
        if (!h5::same_element_type(type.get(), h5::element_type<T>::file())) {
            throw h5_error("h5_reader: " + what + " holds " + h5::type_name(type.get()) +
                           " values, not " + h5::element_type<T>::name);
        }
    }

    struct opened_dataset {
        h5::handle set;
        h5_shape dims;
    };

    // Opens `dataset`, checks that it holds T values and reads its shape, which `check` may
    // reject by throwing; agreed over the ranks, so that all of them fail together.
    template <h5_element T, typename Check>
    opened_dataset open_for_reading(std::string_view dataset, const std::string& what,
                                    Check&& check) const {
        opened_dataset result;
        h5::agreed(context, "h5_reader: another rank failed to read " + what, [&] {
            result.set = open_dataset(dataset);
            require_type<T>(result.set.get(), what);
            result.dims = shape_of(result.set.get(), what);
            check(result.dims);
        });
        return result;
    }

    // Reads the selected part of `set` into `values` (collective with MPI-IO: every rank calls
    // it for every dataset that has elements, selecting nothing if it wants nothing).
    template <h5_element T>
    void read(hid_t set, hid_t file_space, std::vector<T>& values, const std::string& what) const {
        const h5::handle memory = memory_space(values.size(), what);
        T unused{};
        h5::check(H5Dread(set, h5::element_type<T>::memory(), memory.get(), file_space,
                          transfer_list(), values.empty() ? &unused : values.data()),
                  "H5Dread", what);
    }

    h5::handle open_attribute(std::string_view object_path, std::string_view name,
                              const std::string& what) const {
        const std::string object_name = h5::absolute(object_path);
        const std::string attribute(name);
        if (!h5::exists(file.get(), object_name, where())) {
            throw h5_error("h5_reader: no object '" + object_name + "' in " + where() +
                           " (looking for its attribute '" + attribute + "')");
        }
        const h5::handle object(H5Oopen(file.get(), object_name.c_str(), H5P_DEFAULT), "H5Oopen",
                                what);
        if (h5::check(H5Aexists(object.get(), attribute.c_str()), "H5Aexists", what) == 0) {
            throw h5_error("h5_reader: no " + what);
        }
        h5::handle result(H5Aopen(object.get(), attribute.c_str(), H5P_DEFAULT), "H5Aopen", what);
        const h5::handle space(H5Aget_space(result.get()), "H5Aget_space", what);
        if (h5::check(H5Sget_simple_extent_npoints(space.get()), "H5Sget_simple_extent_npoints",
                      what) != 1) {
            throw h5_error("h5_reader: " + what + " is not a single value");
        }
        return result;
    }

    std::string attribute_where(std::string_view object_path, std::string_view name) const {
        return "attribute '" + std::string(name) + "' of '" + h5::absolute(object_path) + "' in " +
               where();
    }

    // The attribute and its stored type, which must be of `expected` class.
    struct typed_attribute {
        h5::handle attribute;
        h5::handle type;
    };
    typed_attribute open_attribute_of_class(std::string_view object_path, std::string_view name,
                                            H5T_class_t expected, const char* kind) const {
        const std::string what = attribute_where(object_path, name);
        typed_attribute result;
        result.attribute = open_attribute(object_path, name, what);
        result.type = h5::handle(H5Aget_type(result.attribute.get()), "H5Aget_type", what);
        if (H5Tget_class(result.type.get()) != expected) {
            throw h5_error("h5_reader: " + what + " holds " + h5::type_name(result.type.get()) +
                           ", not " + kind);
        }
        return result;
    }
};

h5_reader::h5_reader(std::filesystem::path path)
    : h5_reader(std::move(path), make_local_context()) {}

h5_reader::h5_reader(std::filesystem::path path, const distributed_context& context)
    : impl_(std::make_unique<impl>(std::move(path), context)) {
    h5::silence_error_printing();
    impl& f = *impl_;
    h5::agreed(f.context, "h5_reader: another rank could not open " + f.where(), [&] {
        const std::string reason = unreadable_file_reason(f.path);
        if (!reason.empty()) throw h5_error("h5_reader: " + f.where() + ": " + reason);
    });
    h5::agreed(f.context, "h5_reader: another rank could not open " + f.where(), [&] {
        access_properties access = make_access(f.context, f.where());
        f.transfer = std::move(access.transfer);
        f.file = h5::handle(H5Fopen(f.path.c_str(), H5F_ACC_RDONLY, access.file_access.get()),
                            "H5Fopen", "file " + f.where());
    });
}

h5_reader::~h5_reader() = default;
h5_reader::h5_reader(h5_reader&& other) noexcept = default;

const std::filesystem::path& h5_reader::path() const {
    return impl_->path;
}

bool h5_reader::has(std::string_view object_path) const {
    return h5::exists(impl_->file.get(), object_path, impl_->where());
}

h5_shape h5_reader::shape(std::string_view dataset) const {
    const h5::handle set = impl_->open_dataset(dataset);
    return impl_->shape_of(set.get(), impl_->dataset_where(dataset));
}

void h5_reader::require_shape(std::string_view dataset, const h5_shape& expected) const {
    const h5_shape actual = shape(dataset);
    if (actual != expected) {
        throw h5_error("h5_reader: " + impl_->dataset_where(dataset) + " has shape " +
                       h5::describe(actual) + ", expected " + h5::describe(expected));
    }
}

template <h5_element T>
std::vector<T> h5_reader::read_rows(std::string_view dataset, std::size_t first_row,
                                    std::size_t n_rows) const {
    const impl& f = *impl_;
    const std::string what = f.dataset_where(dataset);
    const auto [set, dims] = f.open_for_reading<T>(dataset, what, [&](const h5_shape& shape) {
        if (shape.empty()) throw h5_error("h5_reader: " + what + " is a scalar, it has no rows");
        if (first_row > shape[0] || n_rows > shape[0] - first_row) {
            throw h5_error("h5_reader: " + what + " has " + std::to_string(shape[0]) +
                           " rows (shape " + h5::describe(shape) + "), rows [" +
                           std::to_string(first_row) + ", " + std::to_string(first_row + n_rows) +
                           ") were asked for");
        }
    });
    std::vector<T> values(n_rows * product(dims.begin() + 1, dims.end()));
    if (product(dims.begin(), dims.end()) > 0) {
        const h5::handle space(H5Dget_space(set.get()), "H5Dget_space", what);
        select_rows(space.get(), dims, first_row, values.empty() ? 0 : n_rows, what);
        f.read(set.get(), space.get(), values, what);
    }
    return values;
}

template <h5_element T>
std::vector<T> h5_reader::read_array(std::string_view dataset) const {
    const impl& f = *impl_;
    const std::string what = f.dataset_where(dataset);
    const auto [set, dims] = f.open_for_reading<T>(dataset, what, [](const h5_shape&) {});
    std::vector<T> values(product(dims.begin(), dims.end()));
    if (!values.empty()) f.read(set.get(), H5S_ALL, values, what);
    return values;
}

template std::vector<float> h5_reader::read_rows<float>(std::string_view, std::size_t,
                                                        std::size_t) const;
template std::vector<double> h5_reader::read_rows<double>(std::string_view, std::size_t,
                                                          std::size_t) const;
template std::vector<std::uint32_t> h5_reader::read_rows<std::uint32_t>(std::string_view,
                                                                        std::size_t,
                                                                        std::size_t) const;
template std::vector<std::int64_t> h5_reader::read_rows<std::int64_t>(std::string_view, std::size_t,
                                                                      std::size_t) const;
template std::vector<float> h5_reader::read_array<float>(std::string_view) const;
template std::vector<double> h5_reader::read_array<double>(std::string_view) const;
template std::vector<std::uint32_t> h5_reader::read_array<std::uint32_t>(std::string_view) const;
template std::vector<std::int64_t> h5_reader::read_array<std::int64_t>(std::string_view) const;
template std::vector<std::uint64_t> h5_reader::read_array<std::uint64_t>(std::string_view) const;

bool h5_reader::has_attribute(std::string_view object_path, std::string_view name) const {
    const impl& f = *impl_;
    const std::string object_name = h5::absolute(object_path);
    if (!h5::exists(f.file.get(), object_name, f.where())) return false;
    const std::string what = f.attribute_where(object_path, name);
    const h5::handle object(H5Oopen(f.file.get(), object_name.c_str(), H5P_DEFAULT), "H5Oopen",
                            what);
    const std::string attribute(name);
    return h5::check(H5Aexists(object.get(), attribute.c_str()), "H5Aexists", what) > 0;
}

std::string h5_reader::string_attribute(std::string_view object_path, std::string_view name) const {
    const impl& f = *impl_;
    const std::string what = f.attribute_where(object_path, name);
    const auto [attribute, type] =
        f.open_attribute_of_class(object_path, name, H5T_STRING, "a string");
    if (h5::check(H5Tis_variable_str(type.get()), "H5Tis_variable_str", what) > 0) {
        char* text = nullptr;
        const h5::handle memory_type(H5Tcopy(type.get()), "H5Tcopy", what);
        h5::check(H5Aread(attribute.get(), memory_type.get(), &text), "H5Aread", what);
        std::string result = text != nullptr ? text : "";
        H5free_memory(text);
        return result;
    }
    // Fixed-length (as other tools may write): strip the padding.
    const std::size_t size = H5Tget_size(type.get());
    std::string result(size, '\0');
    h5::check(H5Aread(attribute.get(), type.get(), result.data()), "H5Aread", what);
    const bool space_padded = H5Tget_strpad(type.get()) == H5T_STR_SPACEPAD;
    result.erase(result.find_last_not_of(space_padded ? ' ' : '\0') + 1);
    if (!space_padded) result.erase(std::min(result.size(), result.find('\0')));
    return result;
}

std::int64_t h5_reader::int64_attribute(std::string_view object_path, std::string_view name) const {
    const std::uint64_t big = std::uint64_t{1} << 63;
    const impl& f = *impl_;
    const std::string what = f.attribute_where(object_path, name);
    const auto [attribute, type] =
        f.open_attribute_of_class(object_path, name, H5T_INTEGER, "an integer");
    if (H5Tget_sign(type.get()) == H5T_SGN_NONE && H5Tget_size(type.get()) >= 8) {
        std::uint64_t value = 0;
        h5::check(H5Aread(attribute.get(), H5T_NATIVE_UINT64, &value), "H5Aread", what);
        if (value >= big)
            throw h5_error("h5_reader: " + what + " holds " + std::to_string(value) +
                           ", which does not fit an int64");
        return static_cast<std::int64_t>(value);
    }
    std::int64_t value = 0;
    h5::check(H5Aread(attribute.get(), H5T_NATIVE_INT64, &value), "H5Aread", what);
    return value;
}

std::uint64_t h5_reader::uint64_attribute(std::string_view object_path,
                                          std::string_view name) const {
    const impl& f = *impl_;
    const std::string what = f.attribute_where(object_path, name);
    const auto [attribute, type] =
        f.open_attribute_of_class(object_path, name, H5T_INTEGER, "an integer");
    if (H5Tget_sign(type.get()) == H5T_SGN_NONE) {
        std::uint64_t value = 0;
        h5::check(H5Aread(attribute.get(), H5T_NATIVE_UINT64, &value), "H5Aread", what);
        return value;
    }
    std::int64_t value = 0;
    h5::check(H5Aread(attribute.get(), H5T_NATIVE_INT64, &value), "H5Aread", what);
    if (value < 0)
        throw h5_error("h5_reader: " + what + " holds " + std::to_string(value) +
                       ", which is negative");
    return static_cast<std::uint64_t>(value);
}

double h5_reader::double_attribute(std::string_view object_path, std::string_view name) const {
    const impl& f = *impl_;
    const auto [attribute, type] =
        f.open_attribute_of_class(object_path, name, H5T_FLOAT, "a real number");
    double value = 0;
    h5::check(H5Aread(attribute.get(), H5T_NATIVE_DOUBLE, &value), "H5Aread",
              f.attribute_where(object_path, name));
    return value;
}

}  // namespace infomorph::io
