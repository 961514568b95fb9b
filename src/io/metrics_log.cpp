#include <infomorph/io/metrics_log.hpp>

#include <infomorph/io/h5_file.hpp>
#include <infomorph/io/idx.hpp>  // data_error

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <system_error>

namespace infomorph::io {
namespace {

constexpr double missing = std::numeric_limits<double>::quiet_NaN();

// The item called `name` in a vector of named things, or end().
template <typename Items>
auto find_named(Items& items, std::string_view name) {
    return std::find_if(items.begin(), items.end(),
                        [name](const auto& item) { return item.name == name; });
}

// The shortest text that reads back as the same double ("0.1", "3", "nan").
std::string format(double value) {
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

// RFC 4180: quote a field that holds a comma, a quote or a line break.
std::string csv_field(const std::string& text) {
    if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
    std::string quoted = "\"";
    for (char c : text) {
        if (c == '"') quoted += '"';
        quoted += c;
    }
    return quoted + '"';
}

std::string join(const std::vector<std::string>& parts, const char* separator) {
    std::string text;
    for (std::size_t i = 0; i < parts.size(); ++i) text += (i == 0 ? "" : separator) + parts[i];
    return text;
}

}  // namespace

metrics_record& metrics_record::set_scalar(std::string_view name, double value) {
    const auto found = find_named(scalars_, name);
    if (found != scalars_.end()) {
        found->value = value;
    } else {
        scalars_.push_back({std::string(name), value});
    }
    return *this;
}

metrics_record& metrics_record::set_vector(std::string_view name, std::vector<double> values) {
    const auto found = find_named(vectors_, name);
    if (found != vectors_.end()) {
        found->values = std::move(values);
    } else {
        vectors_.push_back({std::string(name), std::move(values)});
    }
    return *this;
}

metrics_log::metrics_log(const distributed_context& context) : writes_(context.is_root()) {}

metrics_log::scalar_column& metrics_log::scalar_named(std::string_view name) {
    const auto found = find_named(scalars_, name);
    if (found != scalars_.end()) return *found;
    scalars_.push_back({std::string(name), std::vector<double>(n_epochs_, missing)});
    return scalars_.back();
}

metrics_log::vector_column& metrics_log::vector_named(std::string_view name) {
    const auto found = find_named(vectors_, name);
    if (found != vectors_.end()) return *found;
    vectors_.push_back({std::string(name), 0, {}, {}});
    return vectors_.back();
}

void metrics_log::append(metrics_record record) {
    if (!writes_) return;
    const std::string epoch = "epoch record " + std::to_string(n_epochs_);
    // Check everything first, so that a bad record changes nothing.
    for (const named_scalar& scalar : record.scalars()) {
        if (find_named(vectors_, scalar.name) != vectors_.end() ||
            find_named(record.vectors(), scalar.name) != record.vectors().end()) {
            throw std::invalid_argument("metrics_log: " + epoch + ": '" + scalar.name +
                                        "' is a vector, not a scalar");
        }
    }
    for (const named_vector& vector : record.vectors()) {
        if (find_named(scalars_, vector.name) != scalars_.end()) {
            throw std::invalid_argument("metrics_log: " + epoch + ": '" + vector.name +
                                        "' is a scalar, not a vector");
        }
        if (vector.values.empty()) {
            throw std::invalid_argument("metrics_log: " + epoch + ": vector '" + vector.name +
                                        "' is empty");
        }
        const auto known = find_named(vectors_, vector.name);
        if (known != vectors_.end() && known->length != 0 &&
            known->length != vector.values.size()) {
            throw std::invalid_argument("metrics_log: " + epoch + ": vector '" + vector.name +
                                        "' has " + std::to_string(vector.values.size()) +
                                        " values, it had " + std::to_string(known->length));
        }
    }

    for (const named_scalar& scalar : record.scalars()) scalar_named(scalar.name);
    for (const named_vector& vector : record.vectors()) {
        vector_column& column = vector_named(vector.name);
        if (column.length == 0) {
            column.length = vector.values.size();
            column.values.assign(n_epochs_ * column.length, missing);
        }
    }
    ++n_epochs_;
    for (scalar_column& column : scalars_) column.values.resize(n_epochs_, missing);
    for (vector_column& column : vectors_) {
        column.values.resize(n_epochs_ * column.length, missing);
    }
    for (const named_scalar& scalar : record.scalars()) {
        scalar_named(scalar.name).values.back() = scalar.value;
    }
    for (const named_vector& vector : record.vectors()) {
        vector_column& column = vector_named(vector.name);
        std::copy(vector.values.begin(), vector.values.end(),
                  column.values.end() - static_cast<std::ptrdiff_t>(column.length));
    }
}

void metrics_log::set_labels(std::string_view vector_name, std::vector<std::string> labels) {
    if (!writes_) return;
    const std::string what = "metrics_log: labels of vector '" + std::string(vector_name) + "'";
    if (find_named(scalars_, vector_name) != scalars_.end()) {
        throw std::invalid_argument(what + ": it is a scalar");
    }
    if (labels.empty()) throw std::invalid_argument(what + ": none given");
    for (const std::string& label : labels) {
        if (label.find(',') != std::string::npos) {
            throw std::invalid_argument(what + ": '" + label + "' contains a comma");
        }
    }
    vector_column& column = vector_named(vector_name);
    if (column.length != 0 && column.length != labels.size()) {
        throw std::invalid_argument(what + ": " + std::to_string(labels.size()) + " labels for " +
                                    std::to_string(column.length) + " values");
    }
    column.length = labels.size();
    column.labels = std::move(labels);
    column.values.resize(n_epochs_ * column.length, missing);
}

void metrics_log::set_attribute(std::string_view name, std::string value) {
    set_root_attribute(name, std::move(value));
}

void metrics_log::set_attribute(std::string_view name, double value) {
    set_root_attribute(name, value);
}

void metrics_log::set_root_attribute(std::string_view name,
                                     std::variant<std::string, std::int64_t, std::uint64_t, double> value) {
    if (!writes_) return;
    const auto found = find_named(attributes_, name);
    if (found != attributes_.end()) {
        found->value = std::move(value);
    } else {
        attributes_.push_back({std::string(name), std::move(value)});
    }
}

void metrics_log::flush(const std::filesystem::path& directory) const {
    if (!writes_) return;
    std::filesystem::create_directories(directory);
    write_h5(directory / "metrics.h5");
    write_csv(directory / "metrics.csv");
}

void metrics_log::write_csv(const std::filesystem::path& file) const {
    std::filesystem::path temporary = file;
    temporary += ".tmp";
    std::vector<std::string> header;
    for (const scalar_column& column : scalars_) header.push_back(csv_field(column.name));
    for (const vector_column& column : vectors_) {
        for (std::size_t i = 0; i < column.length; ++i) {
            const std::string label = column.labels.empty() ? std::to_string(i) : column.labels[i];
            header.push_back(csv_field(column.name + "[" + label + "]"));
        }
    }
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << join(header, ",") << '\n';
        for (std::size_t epoch = 0; epoch < n_epochs_; ++epoch) {
            std::vector<std::string> row;
            for (const scalar_column& column : scalars_)
                row.push_back(format(column.values[epoch]));
            for (const vector_column& column : vectors_) {
                for (std::size_t i = 0; i < column.length; ++i) {
                    row.push_back(format(column.values[epoch * column.length + i]));
                }
            }
            out << join(row, ",") << '\n';
        }
        out.close();
        if (!out) {
            const std::error_code error(errno, std::generic_category());
            std::filesystem::remove(temporary);
            throw std::filesystem::filesystem_error("metrics_log: cannot write", temporary, error);
        }
    }
    std::filesystem::rename(temporary, file);
}

void metrics_log::write_h5(const std::filesystem::path& file) const {
    h5_writer writer(file, make_local_context());
    for (const scalar_column& column : scalars_) {
        writer.write_vector(column.name, n_epochs_, 0, std::span<const double>(column.values));
    }
    for (const vector_column& column : vectors_) {
        writer.write_rows(column.name, n_epochs_, column.length, 0,
                          std::span<const double>(column.values));
        if (!column.labels.empty()) {
            writer.set_attribute(column.name, "labels", join(column.labels, ","));
        }
    }
    writer.set_attribute("/", "n_epochs", n_epochs_);
    for (const root_attribute& attribute : attributes_) {
        std::visit([&](const auto& value) { writer.set_attribute("/", attribute.name, value); },
                   attribute.value);
    }
    writer.commit();
}

namespace {

// The fields of one CSV line as write_csv writes them: comma-separated, a field with a comma or
// quote enclosed in double quotes with inner quotes doubled.
std::vector<std::string> split_csv_line(const std::string& line) {
    std::vector<std::string> fields(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                fields.back() += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                fields.back() += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            fields.emplace_back();
        } else {
            fields.back() += c;
        }
    }
    return fields;
}

}  // namespace

std::size_t metrics_log::restore_csv(const std::filesystem::path& file, double last_epoch) {
    if (!writes_) return 0;
    if (n_epochs_ != 0)
        throw std::logic_error("metrics_log::restore_csv: call it before the first append");
    const auto fail = [&](const std::string& what) {
        return data_error(file.string() + ": " + what);
    };
    std::ifstream in(file, std::ios::binary);
    if (!in) throw fail("cannot open");
    std::string line;
    if (!std::getline(in, line)) throw fail("empty file, expected a header line");
    const std::vector<std::string> header = split_csv_line(line);

    // Columns "name[label]" belong to vector "name", in order; the others are scalars.
    struct column_target {
        std::string name;
        bool vector = false;
    };
    std::vector<column_target> targets;
    std::size_t epoch_column = header.size();
    for (std::size_t c = 0; c < header.size(); ++c) {
        const std::string& h = header[c];
        const std::size_t open = h.find('[');
        if (open != std::string::npos && !h.empty() && h.back() == ']')
            targets.push_back({h.substr(0, open), true});
        else
            targets.push_back({h, false});
        if (h == "epoch") epoch_column = c;
    }
    if (epoch_column == header.size()) throw fail("no 'epoch' column");

    std::vector<metrics_record> kept;
    for (std::size_t row = 2; std::getline(in, line); ++row) {
        if (line.empty()) continue;
        const std::vector<std::string> fields = split_csv_line(line);
        if (fields.size() != header.size())
            throw fail("line " + std::to_string(row) + " has " + std::to_string(fields.size()) +
                       " fields, the header " + std::to_string(header.size()));
        std::vector<double> values(fields.size());
        for (std::size_t c = 0; c < fields.size(); ++c) {
            char* end = nullptr;
            values[c] = std::strtod(fields[c].c_str(), &end);
            if (fields[c].empty() || end != fields[c].c_str() + fields[c].size())
                throw fail("line " + std::to_string(row) + ", column '" + header[c] +
                           "': not a number: '" + fields[c] + "'");
        }
        if (!(values[epoch_column] <= last_epoch)) continue;
        metrics_record record;
        for (std::size_t c = 0; c < targets.size();) {
            if (!targets[c].vector) {
                record.set_scalar(targets[c].name, values[c]);
                ++c;
                continue;
            }
            std::vector<double> vector_values;
            const std::string& name = targets[c].name;
            for (; c < targets.size() && targets[c].vector && targets[c].name == name; ++c)
                vector_values.push_back(values[c]);
            record.set_vector(name, std::move(vector_values));
        }
        kept.push_back(std::move(record));
    }
    for (metrics_record& record : kept) {
        try {
            append(std::move(record));
        } catch (const std::invalid_argument& e) {
            throw fail(std::string("does not match this run's metrics: ") + e.what());
        }
    }
    return kept.size();
}

}  // namespace infomorph::io
