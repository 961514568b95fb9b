#include <infomorph/io/config.hpp>

#include <infomorph/util/files.hpp>

#include <infomorph/pid/goal.hpp>
#include <infomorph/pid/lattice.hpp>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wpedantic"
#include <toml.hpp>
#pragma GCC diagnostic pop

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstdint>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <utility>

namespace infomorph::io {

namespace {

// ---------------------------------------------------------------------------------------------
// Formatting helpers

std::string toml_quoted(std::string_view text) {
    std::string out = "\"";
    for (char ch : text) {
        const auto byte = static_cast<unsigned char>(ch);
        switch (ch) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default:
                if (byte < 0x20 || byte == 0x7f) {
                    static constexpr char hex[] = "0123456789ABCDEF";
                    out += "\\u00";
                    out += hex[byte >> 4];
                    out += hex[byte & 0xf];
                } else {
                    out += ch;
                }
        }
    }
    out += '"';
    return out;
}

// Shortest text that reads back to the same double, always in TOML float syntax.
std::string format_double(double value) {
    if (std::isnan(value)) return "nan";
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    char buffer[64];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    std::string text(buffer, ec == std::errc{} ? end : buffer);
    if (text.find_first_of(".e") == std::string::npos) text += ".0";
    return text;
}

std::string describe(const toml::value& value) {
    switch (value.type()) {
        case toml::value_t::string: return toml_quoted(value.as_string().str);
        case toml::value_t::integer: return std::to_string(value.as_integer());
        case toml::value_t::floating: return format_double(value.as_floating());
        case toml::value_t::boolean: return value.as_boolean() ? "true" : "false";
        case toml::value_t::array: return "an array";
        case toml::value_t::table: return "a table";
        case toml::value_t::empty: return "nothing";
        default: return "a date/time";
    }
}

std::string join(const std::vector<std::string>& items, std::string_view separator = ", ") {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += separator;
        out += items[i];
    }
    return out;
}

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

bool starts_with_key(const std::string& key, const std::string& prefix) {
    return key.size() > prefix.size() && key.compare(0, prefix.size(), prefix) == 0 &&
           key[prefix.size()] == '.';
}

// ---------------------------------------------------------------------------------------------
// Text that is not UTF-8. TOML documents must be UTF-8, and toml11 3.7's own check overruns its
// buffer on invalid bytes in a literal-string key (found by tests/fuzz/fuzz_config.cpp; the input
// is kept in tests/fuzz/regressions/config), so the text is checked before toml11 sees it.

// Offset of the first byte that does not start or continue a valid UTF-8 sequence (overlong
// forms, surrogates and code points above U+10FFFF are invalid), or npos.
std::size_t first_invalid_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        std::size_t length = 0;
        std::uint32_t code = 0, lowest = 0;
        if (lead < 0x80) {
            ++i;
            continue;
        } else if ((lead & 0xE0) == 0xC0) {
            length = 2, code = lead & 0x1Fu, lowest = 0x80;
        } else if ((lead & 0xF0) == 0xE0) {
            length = 3, code = lead & 0x0Fu, lowest = 0x800;
        } else if ((lead & 0xF8) == 0xF0) {
            length = 4, code = lead & 0x07u, lowest = 0x10000;
        } else {
            return i;
        }
        if (i + length > text.size()) return i;
        for (std::size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0) != 0x80) return i;
            code = (code << 6) | (next & 0x3Fu);
        }
        if (code < lowest || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return i;
        i += length;
    }
    return std::string_view::npos;
}

// "" or "line L, byte B: not valid UTF-8 (TOML text must be UTF-8)".
std::string utf8_problem(std::string_view text) {
    const std::size_t at = first_invalid_utf8(text);
    if (at == std::string_view::npos) return {};
    const std::string_view before = text.substr(0, at);
    const std::size_t line = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
    const std::size_t newline = before.rfind('\n');  // the end of the line before, if any
    const std::size_t column = newline == std::string_view::npos ? at + 1 : at - newline;
    return "line " + std::to_string(line) + ", byte " + std::to_string(column) +
           ": not valid UTF-8 (TOML text must be UTF-8)";
}

// ---------------------------------------------------------------------------------------------
// Numbers past a type's range. toml11 reads an integer literal beyond 64 bits as the largest
// int64 and a float literal beyond double's range as the largest double, without a word; a range
// check on the result would then report a value nobody wrote. The literal's own text (from the
// value's source location) tells what was written.

std::string literal_text(const toml::value& value) {
    const toml::source_location where = value.location();
    const std::string& line = where.line_str();
    const std::size_t first = where.column() == 0 ? 0 : where.column() - 1;
    if (first >= line.size()) return {};
    return line.substr(first, where.region());
}

// Why a literal (digit separators removed) of an integer or float value does not fit its type,
// e.g. "does not fit a 64-bit integer (-2^63 .. 2^63 - 1)", or "" if it does.
std::string out_of_range(const toml::value& value, const std::string& text) {
    if ((!value.is_integer() && !value.is_floating()) || text.empty()) return {};
    if (value.is_integer()) {
        std::string_view digits = text;
        if (digits.front() == '+' || digits.front() == '-') digits.remove_prefix(1);
        int base = 10;
        if (digits.size() > 2 && digits[0] == '0' && std::string_view("xob").find(digits[1]) !=
                                                         std::string_view::npos) {
            base = digits[1] == 'x' ? 16 : digits[1] == 'o' ? 8 : 2;
            digits.remove_prefix(2);
        }
        std::uint64_t magnitude = 0;
        const auto [end, ec] =
            std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, base);
        const std::uint64_t limit = text.front() == '-' ? std::uint64_t{1} << 63
                                                        : (std::uint64_t{1} << 63) - 1;
        if (ec == std::errc::result_out_of_range || (ec == std::errc{} && magnitude > limit))
            return "does not fit a 64-bit integer (-2^63 .. 2^63 - 1)";
        return {};
    }
    if (text.find_first_of("ni") != std::string::npos) return {};  // inf, nan
    // strtod in the "C" locale (infomorph never sets another) tells overflow (HUGE_VAL) from
    // underflow (0 or a denormal); a non-zero literal that reads as 0 is an error too.
    errno = 0;
    const double parsed = std::strtod(text.c_str(), nullptr);
    if (errno != ERANGE) return {};
    if (std::isinf(parsed)) return "is beyond the range of a double (about 1.8e308)";
    const std::size_t exponent = text.find_first_of("eE");
    const bool nonzero = text.substr(0, exponent).find_first_of("123456789") != std::string::npos;
    if (parsed == 0.0 && nonzero)
        return "is below the smallest double (about 4.9e-324): it would read as 0";
    return {};
}

// Dotted key of an array element: a layer by its name (as errors name layers elsewhere), any
// other element by its index.
std::string element_key(const std::string& array_key, const toml::value& element, std::size_t i) {
    if (element.is_table()) {
        const auto& table = element.as_table();
        const auto name = table.find("name");
        if (name != table.end() && name->second.is_string())
            return array_key + "." + name->second.as_string().str;
    }
    return array_key + "[" + std::to_string(i) + "]";
}

// A number whose literal does not fit its type: its dotted key, its literal (without digit
// separators) and why, e.g. {"training.epochs", "99999999999999999999", "does not fit ..."}.
struct out_of_range_number {
    std::string key;
    std::string literal;
    std::string reason;
    std::string message() const { return literal + " " + reason; }
};

// The first such number in the tree.
std::optional<out_of_range_number> first_out_of_range(const toml::value& value,
                                                      const std::string& key) {
    if (value.is_table()) {
        for (const auto& [name, child] : value.as_table())
            if (auto found = first_out_of_range(child, key.empty() ? name : key + "." + name))
                return found;
    } else if (value.is_array()) {
        const auto& array = value.as_array();
        for (std::size_t i = 0; i < array.size(); ++i)
            if (auto found = first_out_of_range(array[i], element_key(key, array[i], i)))
                return found;
    } else if (value.is_integer() || value.is_floating()) {
        std::string literal = literal_text(value);
        literal.erase(std::remove(literal.begin(), literal.end(), '_'), literal.end());
        if (std::string reason = out_of_range(value, literal); !reason.empty())
            return out_of_range_number{key, std::move(literal), std::move(reason)};
    }
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Error context: the origin, and which keys came from --set (errors about them say so).

struct override_entry {
    std::string key;   // dotted, as given
    std::string text;  // the whole "key=value"
    std::string raw;   // the value text, trimmed
    std::string note;  // why a number-like value was taken as text (it does not fit its type)
};

class context {
public:
    explicit context(std::string origin) : origin_(std::move(origin)) {}

    void add_override(override_entry entry) { overrides_.push_back(std::move(entry)); }

    // The last override that set exactly this key.
    const override_entry* override_for(const std::string& key) const {
        for (auto it = overrides_.rbegin(); it != overrides_.rend(); ++it)
            if (it->key == key) return &*it;
        return nullptr;
    }

    // Throws config_error "<origin>: <message>", naming the override responsible for `key`.
    [[noreturn]] void fail(const std::string& key, const std::string& message,
                           bool unknown_key = false) const {
        std::string text = origin_ + ": " + message;
        for (auto it = overrides_.rbegin(); it != overrides_.rend(); ++it) {
            if (it->key == key || starts_with_key(key, it->key) ||
                (unknown_key && starts_with_key(it->key, key))) {
                text += " (from --set " + it->text +
                        (it->note.empty() ? std::string() : ": " + it->note) + ")";
                break;
            }
        }
        throw config_error(text);
    }

    [[noreturn]] void fail_override(const override_entry& entry, const std::string& message) const {
        throw config_error(origin_ + ": --set " + entry.text + ": " + message);
    }

private:
    std::string origin_;
    std::vector<override_entry> overrides_;
};

// ---------------------------------------------------------------------------------------------
// Reading one table: typed getters that name the full key, and a check for unknown keys.

class table_reader {
public:
    // Throws at once if the table holds a key that is not in `allowed`.
    table_reader(const context& ctx, const toml::table& table, std::string prefix,
                 std::initializer_list<const char*> allowed)
        : ctx_(ctx), table_(table), prefix_(std::move(prefix)) {
        std::vector<std::string> unknown;
        for (const auto& entry : table_) {
            const bool known = std::any_of(allowed.begin(), allowed.end(),
                                           [&](const char* key) { return entry.first == key; });
            if (!known) unknown.push_back(entry.first);
        }
        if (unknown.empty()) return;
        std::sort(unknown.begin(), unknown.end());
        const std::string key = full(unknown.front());
        std::vector<std::string> expected(allowed.begin(), allowed.end());
        ctx_.fail(key, "unknown key " + key + " (expected one of: " + join(expected) + ")", true);
    }

    std::string full(std::string_view key) const {
        return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
    }
    const std::string& prefix() const { return prefix_; }
    const context& ctx() const { return ctx_; }

    bool has(const std::string& key) const { return table_.count(key) != 0; }

    const toml::value* find(const std::string& key) const {
        auto it = table_.find(key);
        return it == table_.end() ? nullptr : &it->second;
    }

    [[noreturn]] void fail(std::string_view key, const std::string& message) const {
        ctx_.fail(full(key), full(key) + " " + message);
    }

    const toml::value& required(const std::string& key) {
        const auto* value = find(key);
        if (!value) fail(key, "is missing");
        return *value;
    }

    std::optional<std::int64_t> integer(const std::string& key) {
        const auto* value = find(key);
        if (!value) return std::nullopt;
        if (!value->is_integer()) fail(key, "must be an integer, got " + describe(*value));
        return value->as_integer();
    }

    int get_int(const std::string& key, int fallback, std::int64_t low,
                std::int64_t high = std::numeric_limits<int>::max()) {
        auto value = integer(key);
        if (!value) return fallback;
        if (*value < low || *value > high) {
            if (high == std::numeric_limits<int>::max()) {
                if (*value > high)
                    fail(key, "must be at most " + std::to_string(high) +
                                  " (it is a 32-bit integer), got " + std::to_string(*value));
                fail(key, "must be at least " + std::to_string(low) + ", got " +
                              std::to_string(*value));
            }
            fail(key, "must be between " + std::to_string(low) + " and " + std::to_string(high) +
                          ", got " + std::to_string(*value));
        }
        return static_cast<int>(*value);
    }

    std::optional<double> number(const std::string& key) {
        const auto* value = find(key);
        if (!value) return std::nullopt;
        double result = 0;
        if (value->is_floating())
            result = value->as_floating();
        else if (value->is_integer())
            result = static_cast<double>(value->as_integer());
        else
            fail(key, "must be a number, got " + describe(*value));
        if (!std::isfinite(result)) fail(key, "must be a finite number, got " + describe(*value));
        return result;
    }

    double get_double(const std::string& key, double fallback) {
        return number(key).value_or(fallback);
    }

    bool get_bool(const std::string& key, bool fallback) {
        const auto* value = find(key);
        if (!value) return fallback;
        if (!value->is_boolean()) fail(key, "must be true or false, got " + describe(*value));
        return value->as_boolean();
    }

    std::optional<std::string> string(const std::string& key) {
        const auto* value = find(key);
        if (!value) return std::nullopt;
        if (value->is_string()) return value->as_string().str;
        // --set data.directory=2024 or =true: a string key takes the text as given.
        if (const auto* entry = ctx_.override_for(full(key))) return entry->raw;
        fail(key, "must be a string, got " + describe(*value));
    }

    std::string get_string(const std::string& key, const std::string& fallback) {
        return string(key).value_or(fallback);
    }

    const toml::table* table(const std::string& key) {
        const auto* value = find(key);
        if (!value) return nullptr;
        if (!value->is_table()) fail(key, "must be a table, got " + describe(*value));
        return &value->as_table();
    }

private:
    const context& ctx_;
    const toml::table& table_;
    std::string prefix_;
};

// ---------------------------------------------------------------------------------------------
// Enumerations

template <typename Enum>
struct enum_names;

template <>
struct enum_names<activation_config::kind> {
    static constexpr std::pair<activation_config::kind, const char*> values[] = {
        {activation_config::kind::two_class, "two_class"},
        {activation_config::kind::three_class, "three_class"},
        {activation_config::kind::additive, "additive"},
    };
};

template <>
struct enum_names<activation_config::output_kind> {
    static constexpr std::pair<activation_config::output_kind, const char*> values[] = {
        {activation_config::output_kind::sampled, "sampled"},
        {activation_config::output_kind::heaviside, "heaviside"},
    };
};

template <>
struct enum_names<binning_config::kind> {
    static constexpr std::pair<binning_config::kind, const char*> values[] = {
        {binning_config::kind::fixed, "fixed"},
        {binning_config::kind::adaptive, "adaptive"},
    };
};

template <typename Enum>
const char* name_of(Enum value) {
    for (const auto& [item, name] : enum_names<Enum>::values)
        if (item == value) return name;
    return "?";
}

template <typename Enum>
Enum get_enum(table_reader& reader, const std::string& key, Enum fallback) {
    auto text = reader.string(key);
    if (!text) return fallback;
    std::vector<std::string> names;
    for (const auto& [item, name] : enum_names<Enum>::values) {
        if (*text == name) return item;
        names.push_back(toml_quoted(name));
    }
    reader.fail(key, "must be one of " + join(names) + ", got " + toml_quoted(*text));
}

// ---------------------------------------------------------------------------------------------
// Sections

constexpr std::string_view image_source = "image";
constexpr std::string_view label_source = "label";
constexpr std::string_view pattern_source = "pattern";  // the memory task's patterns

data_config read_data(const context& ctx, const toml::table* table) {
    data_config data;
    if (!table) return data;
    table_reader reader(ctx, *table, "data", {"directory", "validation_fraction"});
    data.directory = reader.get_string("directory", data.directory);
    if (data.directory.empty()) reader.fail("directory", "must not be empty");
    data.validation_fraction = reader.get_double("validation_fraction", data.validation_fraction);
    if (!(data.validation_fraction >= 0.0 && data.validation_fraction < 1.0))
        reader.fail("validation_fraction",
                    "must be in [0, 1), got " + format_double(data.validation_fraction));
    return data;
}

training_config read_training(const context& ctx, const toml::table* table) {
    training_config training;
    if (!table) return training;
    table_reader reader(ctx, *table, "training",
                        {"epochs", "batch_size", "seed", "presentations", "adam_beta1",
                         "adam_beta2", "adam_epsilon", "evaluate_train", "checkpoint_every"});
    training.epochs = reader.get_int("epochs", training.epochs, 1);
    training.batch_size = reader.get_int("batch_size", training.batch_size, 1);
    if (const auto* seed = reader.find("seed")) {
        // TOML integers are signed 64-bit; larger seeds may be written as a decimal string.
        if (seed->is_integer()) {
            if (seed->as_integer() < 0)
                reader.fail("seed", "must not be negative, got " + describe(*seed));
            training.seed = static_cast<std::uint64_t>(seed->as_integer());
        } else if (seed->is_string()) {
            const auto& text = seed->as_string().str;
            auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), training.seed);
            if (text.empty() || ec != std::errc{} || end != text.data() + text.size())
                reader.fail("seed", "must be a non-negative integer, got " + describe(*seed));
        } else {
            reader.fail("seed", "must be an integer, got " + describe(*seed));
        }
    }
    training.presentations = reader.get_int("presentations", training.presentations, 1);
    training.adam_beta1 = reader.get_double("adam_beta1", training.adam_beta1);
    if (!(training.adam_beta1 >= 0.0 && training.adam_beta1 < 1.0))
        reader.fail("adam_beta1", "must be in [0, 1), got " + format_double(training.adam_beta1));
    training.adam_beta2 = reader.get_double("adam_beta2", training.adam_beta2);
    if (!(training.adam_beta2 >= 0.0 && training.adam_beta2 < 1.0))
        reader.fail("adam_beta2", "must be in [0, 1), got " + format_double(training.adam_beta2));
    training.adam_epsilon = reader.get_double("adam_epsilon", training.adam_epsilon);
    if (!(training.adam_epsilon > 0.0))
        reader.fail("adam_epsilon", "must be positive, got " + format_double(training.adam_epsilon));
    training.evaluate_train = reader.get_bool("evaluate_train", training.evaluate_train);
    training.checkpoint_every = reader.get_int("checkpoint_every", training.checkpoint_every, 0);
    return training;
}

output_config read_output(const context& ctx, const toml::table* table) {
    output_config output;
    if (!table) return output;
    table_reader reader(ctx, *table, "output", {"directory", "codes"});
    output.directory = reader.get_string("directory", output.directory);
    if (output.directory.empty()) reader.fail("directory", "must not be empty");
    output.codes = reader.get_bool("codes", output.codes);
    return output;
}

template <>
struct enum_names<task_kind> {
    static constexpr std::pair<task_kind, const char*> values[] = {
        {task_kind::classification, "classification"},
        {task_kind::memory, "memory"},
    };
};

template <>
struct enum_names<memory_rule> {
    static constexpr std::pair<memory_rule, const char*> values[] = {
        {memory_rule::infomorphic, "infomorphic"},
        {memory_rule::hebbian, "hebbian"},
    };
};

template <>
struct enum_names<capacity_config::search> {
    static constexpr std::pair<capacity_config::search, const char*> values[] = {
        {capacity_config::search::sweep, "sweep"},
        {capacity_config::search::bisect, "bisect"},
    };
};

// A fraction in [low, high] (or (low, high] when open_low).
double get_fraction(table_reader& reader, const std::string& key, double fallback, double low,
                    double high, bool open_low = false) {
    const double value = reader.get_double(key, fallback);
    const bool above = open_low ? value > low : value >= low;
    if (!(above && value <= high))
        reader.fail(key, std::string("must be in ") + (open_low ? "(" : "[") + format_double(low) +
                             ", " + format_double(high) + "], got " + format_double(value));
    return value;
}

// The largest load a memory run accepts: far beyond the capacity of any rule (about 2 patterns
// per neuron for random patterns, Gardner 1988), but small enough to catch typing errors.
constexpr double max_memory_load = 16.0;

memory_config read_memory(const context& ctx, const toml::table* table) {
    memory_config memory;
    if (!table) return memory;
    table_reader reader(ctx, *table, "memory",
                        {"rule", "load", "patterns", "batch_fraction", "recall_cosine",
                         "success_fraction", "flip_fraction", "max_recall_steps", "recall_checks",
                         "early_stop"});
    memory.rule = get_enum(reader, "rule", memory.rule);
    memory.load = get_fraction(reader, "load", memory.load, 0.0, max_memory_load, true);
    if (const auto patterns = reader.integer("patterns")) {
        if (*patterns > std::numeric_limits<int>::max())
            reader.fail("patterns", "must be at most " +
                                        std::to_string(std::numeric_limits<int>::max()) +
                                        " (it is a 32-bit integer), got " +
                                        std::to_string(*patterns));
        if (*patterns < 1)
            reader.fail("patterns", "must be at least 1 (or leave it out and set memory.load), "
                                    "got " + std::to_string(*patterns));
        memory.patterns = static_cast<int>(*patterns);
    }
    memory.batch_fraction = get_fraction(reader, "batch_fraction", memory.batch_fraction, 0.0, 1.0, true);
    memory.recall_cosine = get_fraction(reader, "recall_cosine", memory.recall_cosine, -1.0, 1.0);
    memory.success_fraction =
        get_fraction(reader, "success_fraction", memory.success_fraction, 0.0, 1.0, true);
    memory.flip_fraction = get_fraction(reader, "flip_fraction", memory.flip_fraction, 0.0, 1.0);
    memory.max_recall_steps = reader.get_int("max_recall_steps", memory.max_recall_steps, 0);
    memory.recall_checks = reader.get_int("recall_checks", memory.recall_checks, 1);
    memory.early_stop = reader.get_bool("early_stop", memory.early_stop);
    return memory;
}

capacity_config read_capacity(const context& ctx, const toml::table* table) {
    capacity_config capacity;
    if (!table) return capacity;
    table_reader reader(ctx, *table, "capacity", {"mode", "start", "step", "stop", "flip_fractions"});
    capacity.mode = get_enum(reader, "mode", capacity.mode);
    capacity.start = get_fraction(reader, "start", capacity.start, 0.0, max_memory_load, true);
    capacity.step = get_fraction(reader, "step", capacity.step, 0.0, max_memory_load, true);
    capacity.stop = get_fraction(reader, "stop", capacity.stop, 0.0, max_memory_load, true);
    if (capacity.stop < capacity.start)
        reader.fail("stop", "must not be below capacity.start (" + format_double(capacity.stop) +
                                " < " + format_double(capacity.start) + ")");
    if (const auto* value = reader.find("flip_fractions")) {
        if (!value->is_array())
            reader.fail("flip_fractions", "must be an array of fractions, got " + describe(*value));
        capacity.flip_fractions.clear();
        double previous = 0.0;
        for (std::size_t i = 0; i < value->as_array().size(); ++i) {
            const auto& item = value->as_array()[i];
            const std::string key = "flip_fractions[" + std::to_string(i) + "]";
            if (!item.is_floating() && !item.is_integer())
                reader.fail(key, "must be a number, got " + describe(item));
            const double f = item.is_floating() ? item.as_floating()
                                                : static_cast<double>(item.as_integer());
            if (!(f > previous && f <= 1.0))
                reader.fail(key, "must be in (0, 1] and above the one before, got " +
                                     format_double(f));
            capacity.flip_fractions.push_back(f);
            previous = f;
        }
    }
    return capacity;
}

binning_config read_binning(const context& ctx, const toml::table& table, const std::string& prefix,
                            binning_config binning) {
    table_reader reader(ctx, table, prefix, {"kind", "bins", "low", "high"});
    binning.type = get_enum(reader, "kind", binning.type);
    binning.bins = reader.get_int("bins", binning.bins, 2, 65535);
    if (binning.type == binning_config::kind::fixed) {
        binning.low = reader.get_double("low", binning.low);
        binning.high = reader.get_double("high", binning.high);
        if (!(binning.low < binning.high))
            reader.fail("low", "must be below " + reader.full("high") + " (" +
                                   format_double(binning.low) +
                                   " >= " + format_double(binning.high) + ")");
    } else if (!ctx.override_for(reader.full("kind"))) {
        // (Switching a fixed binning to adaptive by --set leaves the file's bounds unused.)
        for (const char* key : {"low", "high"})
            if (reader.has(key))
                reader.fail(key, "applies only to fixed binning (adaptive binning scales each "
                                 "source by its batch max |value| onto [-1, 1])");
    }
    if (binning.type == binning_config::kind::adaptive) {
        binning.low = binning_config{}.low;
        binning.high = binning_config{}.high;
    }
    return binning;
}

enum class class_role { receptive, contextual, lateral };

input_config read_input(const context& ctx, const toml::table& table, const std::string& prefix,
                        class_role role, const layer_config& layer,
                        const binning_config& default_binning) {
    table_reader reader(ctx, table, prefix,
                        {"source", "learned", "identity", "bias", "fan_in", "binning", "diagonal",
                         "initial_weight"});
    input_config input;
    if (role == class_role::lateral) {
        if (reader.has("source"))
            reader.fail("source", "is not allowed: the lateral class always reads the layer's "
                                  "own neurons at the previous presentation");
        if (reader.has("identity"))
            reader.fail("identity", "is not allowed: a neuron never receives its own output "
                                    "laterally, so lateral weights cannot be the identity");
        input.source = layer.name;
        input.fan_in = reader.get_int("fan_in", 0, 0);
        if (input.fan_in > layer.neurons - 1)
            reader.fail("fan_in", "must be at most " + std::to_string(layer.neurons - 1) +
                                      " (the other neurons of the layer; 0 = all of them), got " +
                                      std::to_string(input.fan_in));
    } else {
        if (reader.has("fan_in"))
            reader.fail("fan_in", "applies only to the lateral class");
        input.source = [&] {
            auto source = reader.string("source");
            if (!source) reader.fail("source", "is missing (\"image\", \"label\" or a layer name)");
            return *source;
        }();
        input.identity = reader.get_bool("identity", false);
        input.diagonal = reader.get_bool("diagonal", false);
        if (input.identity && input.diagonal)
            reader.fail("diagonal", "cannot be true together with identity = true");
    }
    if (role == class_role::lateral && reader.has("diagonal"))
        reader.fail("diagonal", "applies only to the receptive and contextual classes");
    if (const auto weight = reader.number("initial_weight")) {
        if (input.identity)
            reader.fail("initial_weight", "cannot be set together with identity = true");
        input.initial_weight = *weight;
    }
    const auto* learned = reader.find("learned");
    input.learned = reader.get_bool("learned", !input.identity);
    if (input.identity && learned && input.learned)
        reader.fail("learned", "cannot be true together with identity = true (identity weights "
                               "stay fixed)");
    input.bias = reader.get_bool("bias", true);
    if (const auto* binning = reader.table("binning"))
        input.binning = read_binning(ctx, *binning, reader.full("binning"), binning_config{});
    else
        input.binning = default_binning;
    return input;
}

activation_config read_activation(const context& ctx, const toml::table* table,
                                  const std::string& prefix) {
    activation_config activation;
    if (!table) return activation;
    table_reader reader(ctx, *table, prefix,
                        {"kind", "k1", "k2", "a_context", "a_lateral", "b_context", "b_lateral",
                         "theta_floor", "output"});
    activation.type = get_enum(reader, "kind", activation_config::kind::two_class);
    activation.output = get_enum(reader, "output", activation.output);
    const std::vector<std::string> two_class_keys = {"k1", "k2"};
    const std::vector<std::string> three_class_keys = {"a_context", "a_lateral", "b_context",
                                                       "b_lateral"};
    // Parameters of another kind are an error, unless --set switched the kind.
    const bool kind_overridden = ctx.override_for(reader.full("kind")) != nullptr;
    auto reject = [&](const std::vector<std::string>& keys) {
        if (kind_overridden) return;
        for (const auto& key : keys)
            if (reader.has(key))
                reader.fail(key, std::string("does not apply to a ") + name_of(activation.type) +
                                     " activation");
    };
    activation.theta_floor = reader.get_double("theta_floor", activation.theta_floor);
    if (!(activation.theta_floor >= 0.0 && activation.theta_floor < 0.5))
        reader.fail("theta_floor", "must be in [0, 0.5), got " + format_double(activation.theta_floor));
    switch (activation.type) {
        case activation_config::kind::two_class:
            reject(three_class_keys);
            activation.k1 = reader.get_double("k1", activation.k1);
            activation.k2 = reader.get_double("k2", activation.k2);
            if (!(activation.k1 >= 0.0 && activation.k1 <= 1.0))
                reader.fail("k1", "must be in [0, 1] (context changes the gain, never the sign), "
                                  "got " + format_double(activation.k1));
            break;
        case activation_config::kind::three_class:
            reject(two_class_keys);
            activation.a_context = reader.get_double("a_context", activation.a_context);
            activation.a_lateral = reader.get_double("a_lateral", activation.a_lateral);
            activation.b_context = reader.get_double("b_context", activation.b_context);
            activation.b_lateral = reader.get_double("b_lateral", activation.b_lateral);
            if (activation.a_context < 0.0)
                reader.fail("a_context", "must not be negative, got " +
                                             format_double(activation.a_context));
            if (activation.a_lateral < 0.0)
                reader.fail("a_lateral", "must not be negative, got " +
                                             format_double(activation.a_lateral));
            if (activation.a_context + activation.a_lateral > 1.0)
                reader.fail("a_lateral", "plus a_context must be at most 1, got " +
                                             format_double(activation.a_context +
                                                           activation.a_lateral));
            break;
        case activation_config::kind::additive:
            reject(two_class_keys);
            reject(three_class_keys);
            break;
    }
    return activation;
}

// The atoms of the n-source lattice in lattice order, then h_res.
std::vector<std::string> atom_names(int n_sources) {
    const auto& lattice = pid::redundancy_lattice::of(n_sources);
    std::vector<std::string> names;
    for (std::size_t i = 0; i < lattice.size(); ++i) names.push_back(lattice.name(i));
    names.push_back("h_res");
    return names;
}

std::vector<double> read_goal(table_reader& layer_reader, int n_sources) {
    const std::string key = layer_reader.full("goal");
    const context& ctx = layer_reader.ctx();
    const auto& goal_value = layer_reader.required("goal");
    const auto& lattice = pid::redundancy_lattice::of(n_sources);
    std::vector<double> gamma;
    auto number = [&](const toml::value& value, const std::string& name) {
        double result = 0;
        if (value.is_floating())
            result = value.as_floating();
        else if (value.is_integer())
            result = static_cast<double>(value.as_integer());
        else
            ctx.fail(name, name + " must be a number, got " + describe(value));
        if (!std::isfinite(result))
            ctx.fail(name, name + " must be a finite number, got " + describe(value));
        return result;
    };
    if (goal_value.is_array()) {
        const auto& array = goal_value.as_array();
        for (std::size_t i = 0; i < array.size(); ++i)
            gamma.push_back(number(array[i], key + "[" + std::to_string(i) + "]"));
    } else if (goal_value.is_table()) {
        gamma.assign(lattice.size() + 1, 0.0);
        std::map<std::size_t, std::string> seen;
        for (const auto& [name, value] : goal_value.as_table()) {
            const std::string full = key + "." + name;
            std::size_t index = lattice.size();
            if (name != "h_res") {
                auto found = lattice.find(name);
                if (!found)
                    ctx.fail(full,
                             full + ": " + toml_quoted(name) + " is not an atom of the " +
                                 std::to_string(n_sources) + "-source lattice (expected one of: " +
                                 join(atom_names(n_sources)) + ")",
                             true);
                index = *found;
            }
            if (auto [it, inserted] = seen.emplace(index, name); !inserted)
                ctx.fail(full, full + " names the same atom as " + key + "." + it->second);
            gamma[index] = number(value, full);
        }
    } else {
        ctx.fail(key, key + " must be an array of " + std::to_string(lattice.size() + 1) +
                          " numbers or a table of atom weights, got " + describe(goal_value));
    }
    try {
        auto goal = pid::goal::from_vector(n_sources, gamma);
        gamma = goal.atom_weights;
        gamma.push_back(goal.h_res_weight);
    } catch (const std::invalid_argument& error) {
        std::string message = error.what();
        if (message.rfind("goal: ", 0) == 0) message.erase(0, 6);
        ctx.fail(key, key + ": " + message + " (in the order " + join(atom_names(n_sources)) + ")");
    }
    return gamma;
}

bool valid_layer_name(const std::string& name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
               ch == '_' || ch == '-';
    });
}

layer_config read_layer(const context& ctx, const toml::table& table, const std::string& name) {
    table_reader reader(ctx, table, "layers." + name,
                        {"name", "neurons", "learning_rate", "weight_decay", "goal", "activation",
                         "binning", "receptive", "contextual", "lateral", "weights_from"});
    layer_config layer;
    layer.name = name;
    if (const auto* from = reader.table("weights_from")) {
        table_reader source(ctx, *from, reader.full("weights_from"), {"file", "layer"});
        source.required("file");
        layer_config::weights_source weights{source.get_string("file", ""),
                                             source.get_string("layer", name)};
        if (weights.file.empty()) source.fail("file", "must not be empty");
        if (weights.layer.empty()) source.fail("layer", "must not be empty");
        layer.weights_from = std::move(weights);
    }
    reader.required("neurons");
    layer.neurons = reader.get_int("neurons", 0, 1);
    layer.learning_rate = reader.get_double("learning_rate", layer.learning_rate);
    if (layer.learning_rate < 0.0)
        reader.fail("learning_rate",
                    "must not be negative, got " + format_double(layer.learning_rate));
    layer.weight_decay = reader.get_double("weight_decay", layer.weight_decay);
    if (layer.weight_decay < 0.0)
        reader.fail("weight_decay", "must not be negative, got " + format_double(layer.weight_decay));

    binning_config default_binning;
    if (const auto* binning = reader.table("binning"))
        default_binning = read_binning(ctx, *binning, reader.full("binning"), default_binning);

    const auto* receptive = reader.table("receptive");
    if (!receptive) reader.fail("receptive", "is missing (every layer needs a receptive class)");
    layer.receptive = read_input(ctx, *receptive, reader.full("receptive"), class_role::receptive,
                                 layer, default_binning);
    if (const auto* contextual = reader.table("contextual"))
        layer.contextual = read_input(ctx, *contextual, reader.full("contextual"),
                                      class_role::contextual, layer, default_binning);
    if (const auto* lateral = reader.table("lateral"))
        layer.lateral = read_input(ctx, *lateral, reader.full("lateral"), class_role::lateral,
                                   layer, default_binning);
    const int n_sources = 1 + (layer.contextual ? 1 : 0) + (layer.lateral ? 1 : 0);
    if (n_sources < 2)
        ctx.fail(reader.prefix(), reader.prefix() +
                                      " needs a contextual or a lateral class (or both) besides "
                                      "the receptive one");

    const auto* activation = reader.table("activation");
    layer.activation = read_activation(ctx, activation, reader.full("activation"));
    const bool three_class = layer.activation.type == activation_config::kind::three_class;
    if (n_sources == 3 && !three_class) {
        if (!activation)
            reader.fail("activation", "is missing: a layer with contextual and lateral classes "
                                      "needs activation = { kind = \"three_class\", ... }");
        reader.fail("activation", std::string("must have kind = \"three_class\": the layer has "
                                              "contextual and lateral classes (got \"") +
                                      name_of(layer.activation.type) + "\")");
    }
    if (n_sources == 2 && three_class)
        reader.fail("activation", std::string("is three_class, which needs both a contextual and "
                                              "a lateral class; the layer has no ") +
                                      (layer.contextual ? "lateral" : "contextual") + " class");

    layer.goal = read_goal(reader, n_sources);
    if (layer.activation.output == activation_config::output_kind::heaviside) {
        if (layer_learns(layer))
            reader.fail("activation", "has output = \"heaviside\", which only a layer that learns "
                                      "nothing may have (learning_rate = 0, or learned = false "
                                      "on every class): a deterministic output gives the local "
                                      "goal no sampling probability to shape");
    }
    return layer;
}

std::vector<layer_config> read_layers(const context& ctx, const toml::value* value,
                                      const training_config& training, task_kind task) {
    if (!value) ctx.fail("layers", "layers is missing (add at least one [[layers]] table)");
    if (!value->is_array())
        ctx.fail("layers", "layers must be an array of tables ([[layers]]), got " + describe(*value));
    const auto& array = value->as_array();
    if (array.empty()) ctx.fail("layers", "layers must hold at least one layer");

    std::vector<std::string> names;
    std::map<std::string, std::size_t> index_of;
    for (std::size_t i = 0; i < array.size(); ++i) {
        const std::string key = "layers[" + std::to_string(i) + "]";
        if (!array[i].is_table())
            ctx.fail(key, key + " must be a table, got " + describe(array[i]));
        const auto& table = array[i].as_table();
        auto it = table.find("name");
        if (it == table.end()) ctx.fail(key + ".name", key + ".name is missing");
        if (!it->second.is_string())
            ctx.fail(key + ".name", key + ".name must be a string, got " + describe(it->second));
        const std::string& name = it->second.as_string().str;
        if (!valid_layer_name(name))
            ctx.fail(key + ".name", key + ".name must be made of letters, digits, '_' and '-', "
                                          "got " + toml_quoted(name));
        if (name == image_source || name == label_source || name == pattern_source)
            ctx.fail(key + ".name", key + ".name " + toml_quoted(name) +
                                        " is reserved for the data (\"image\", \"label\", "
                                        "\"pattern\")");
        if (auto [previous, inserted] = index_of.emplace(name, i); !inserted)
            ctx.fail("layers." + name + ".name",
                     key + ".name: duplicate layer name " + toml_quoted(name) + " (also layers[" +
                         std::to_string(previous->second) + "])");
        names.push_back(name);
    }
    const bool memory = task == task_kind::memory;
    std::vector<std::string> quoted_names = {toml_quoted(image_source), toml_quoted(label_source)};
    if (memory) quoted_names = {toml_quoted(pattern_source)};
    for (const auto& name : names) quoted_names.push_back(toml_quoted(name));

    std::vector<layer_config> layers;
    for (std::size_t i = 0; i < array.size(); ++i)
        layers.push_back(read_layer(ctx, array[i].as_table(), names[i]));

    for (std::size_t i = 0; i < layers.size(); ++i) {
        const auto& layer = layers[i];
        const std::string prefix = "layers." + layer.name;
        auto check = [&](const input_config& input, const std::string& role) {
            const std::string source_key = prefix + "." + role + ".source";
            if (input.source == pattern_source) {
                if (!memory)
                    ctx.fail(source_key, source_key + " \"pattern\" is the memory task's data; "
                                                      "set task = \"memory\"");
                return;
            }
            if (memory)
                ctx.fail(source_key, source_key + " must be \"pattern\" in the memory task, got " +
                                         toml_quoted(input.source));
            if (input.source == image_source || input.source == label_source)
                return;  // identity against the data's size is checked once the data is known
            auto found = index_of.find(input.source);
            if (found == index_of.end())
                ctx.fail(source_key, source_key + " must be one of " + join(quoted_names) +
                                         ", got " + toml_quoted(input.source));
            const std::size_t j = found->second;
            if (j == i)
                ctx.fail(source_key, source_key + " cannot be the layer itself; its own neurons "
                                                  "are the lateral class");
            if (j > i) {
                if (role == "receptive")
                    ctx.fail(source_key,
                             source_key + " must be \"image\", \"label\" or an earlier layer; " +
                                 toml_quoted(input.source) +
                                 " comes later (only the contextual class may take feedback)");
                if (training.presentations < 2)
                    ctx.fail(source_key,
                             source_key + " reads the later layer " + toml_quoted(input.source) +
                                 " (feedback from the previous presentation), which needs "
                                 "training.presentations >= 2");
            }
            if (input.identity && layers[j].neurons != layer.neurons)
                ctx.fail(prefix + "." + role + ".identity",
                         prefix + "." + role + ".identity needs as many inputs as neurons: " +
                             toml_quoted(input.source) + " has " + std::to_string(layers[j].neurons) +
                             " neurons, " + toml_quoted(layer.name) + " has " +
                             std::to_string(layer.neurons));
        };
        check(layer.receptive, "receptive");
        if (layer.contextual) check(*layer.contextual, "contextual");
        // (The memory task's lateral class reads the recurrent state, not a presentation.)
        if (layer.lateral && training.presentations < 2 && !memory)
            ctx.fail(prefix + ".lateral",
                     prefix + ".lateral needs training.presentations >= 2 (lateral input is the "
                              "layer's output at the previous presentation, zero at the first)");
    }
    return layers;
}

network_config convert(const context& ctx, const toml::value& root) {
    table_reader reader(ctx, root.as_table(), "",
                        {"task", "data", "training", "output", "layers", "memory", "capacity"});
    network_config config;
    config.task = get_enum(reader, "task", config.task);
    config.data = read_data(ctx, reader.table("data"));
    config.training = read_training(ctx, reader.table("training"));
    config.output = read_output(ctx, reader.table("output"));
    if (config.task == task_kind::memory && config.output.codes)
        ctx.fail("output.codes", "output.codes applies only to the classification task (a "
                                 "memory's states are its patterns)");
    if (config.task != task_kind::memory)
        for (const char* section : {"memory", "capacity"})
            if (reader.has(section))
                ctx.fail(section, std::string("[") + section + "] applies only to task = \"memory\"");
    config.layers = read_layers(ctx, reader.find("layers"), config.training, config.task);
    if (config.task == task_kind::memory)
        for (const auto& layer : config.layers)
            if (layer.weights_from)
                ctx.fail("layers." + layer.name + ".weights_from",
                         "layers." + layer.name + ".weights_from applies only to the "
                         "classification task");
    config.memory = read_memory(ctx, reader.table("memory"));
    config.capacity = read_capacity(ctx, reader.table("capacity"));
    if (config.task == task_kind::memory) {
        if (config.layers.size() != 1)
            ctx.fail("layers", "layers: the memory task has exactly one layer (the recurrent "
                               "neurons), got " + std::to_string(config.layers.size()));
        const layer_config& layer = config.layers.front();
        const std::string prefix = "layers." + layer.name;
        if (layer.neurons < 2)
            ctx.fail(prefix + ".neurons", prefix + ".neurons must be at least 2 for an "
                                                   "associative memory, got " +
                                               std::to_string(layer.neurons));
        if (!layer.receptive.diagonal || layer.receptive.source != pattern_source)
            ctx.fail(prefix + ".receptive", prefix + ".receptive must be { source = \"pattern\", "
                                                     "diagonal = true } (each neuron reads its own "
                                                     "pattern bit)");
        if (layer.contextual)
            ctx.fail(prefix + ".contextual", prefix + ".contextual is not used by the memory task: "
                                                      "source 2 is the lateral class (the other "
                                                      "neurons' states)");
        if (!layer.lateral)
            ctx.fail(prefix + ".lateral", prefix + ".lateral is missing: the memory task's source 2 "
                                                   "is the other neurons' states");
        if (memory_pattern_count(config) < 1)
            ctx.fail("memory.load", "memory.load " + format_double(config.memory.load) +
                                        " gives no pattern for " + std::to_string(layer.neurons) +
                                        " neurons (P = round(load * N) = 0)");
    }
    return config;
}

// ---------------------------------------------------------------------------------------------
// Overrides

std::vector<std::string> split_key(std::string_view key) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        const auto dot = key.find('.', start);
        parts.emplace_back(trim(key.substr(start, dot == std::string_view::npos ? dot : dot - start)));
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    return parts;
}

void apply_override(toml::value& root, const std::string& text, context& ctx) {
    override_entry entry;
    entry.text = text;
    const auto equals = text.find('=');
    if (equals == std::string::npos)
        ctx.fail_override(entry, "expected key=value, e.g. training.epochs=10");
    entry.key = std::string(trim(std::string_view(text).substr(0, equals)));
    entry.raw = std::string(trim(std::string_view(text).substr(equals + 1)));
    const auto parts = split_key(entry.key);
    entry.key = join(parts, ".");
    for (const auto& part : parts)
        if (part.empty()) ctx.fail_override(entry, "the key has an empty part");
    if (entry.raw.empty()) ctx.fail_override(entry, "the value is empty");

    if (!utf8_problem(entry.raw).empty()) ctx.fail_override(entry, "the value is not valid UTF-8");
    toml::value value;
    try {
        std::istringstream in("value = " + entry.raw + "\n");
        auto parsed = toml::parse(in, "--set " + entry.key);
        if (parsed.as_table().size() != 1)
            ctx.fail_override(entry, "the value must be a single TOML value");
        value = parsed.as_table().at("value");
        // A number too large for its type is taken as the text it is, as a bare word would be:
        // a string key (a directory named 99999999999999999999, a seed above 2^63 - 1) takes it,
        // and any other key's error names the range.
        if (const auto bad = first_out_of_range(value, entry.key)) {
            if (!value.is_integer() && !value.is_floating()) ctx.fail_override(entry, bad->message());
            entry.note = bad->message();
            value = toml::value(entry.raw);
        }
    } catch (const config_error&) {
        throw;
    } catch (const std::exception& error) {
        // A bare word (a path, a layer name) is a string; anything that looks like structured
        // TOML and does not parse is an error.
        if (std::string_view("[{\"'").find(entry.raw.front()) != std::string_view::npos)
            ctx.fail_override(entry, std::string("the value does not parse as TOML: ") +
                                         error.what());
        value = toml::value(entry.raw);
    }

    toml::value* node = &root;
    std::string path;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (!node->is_table())
            ctx.fail_override(entry, path + " is " + describe(*node) + ", not a table");
        auto& table = node->as_table();
        const bool last = i + 1 == parts.size();
        if (i == 0 && parts[0] == "layers" && !last) {
            // layers.<name>.key: a layer is addressed by its name.
            auto it = table.find("layers");
            if (it == table.end() || !it->second.is_array())
                ctx.fail_override(entry, "the configuration has no [[layers]]");
            const std::string& name = parts[1];
            std::vector<std::string> names;
            toml::value* layer = nullptr;
            for (auto& element : it->second.as_array()) {
                if (!element.is_table()) continue;
                auto name_it = element.as_table().find("name");
                if (name_it == element.as_table().end() || !name_it->second.is_string()) continue;
                names.push_back(toml_quoted(name_it->second.as_string().str));
                if (name_it->second.as_string().str == name) layer = &element;
            }
            if (!layer)
                ctx.fail_override(entry, "there is no layer named " + toml_quoted(name) +
                                             " (layers: " + join(names) + ")");
            if (i + 2 == parts.size())
                ctx.fail_override(entry, "set the keys of a layer one by one, e.g. layers." +
                                             name + ".neurons=100");
            node = layer;
            path = "layers." + name;
            ++i;
            continue;
        }
        path = path.empty() ? parts[i] : path + "." + parts[i];
        if (last) {
            table[parts[i]] = value;
        } else {
            auto it = table.find(parts[i]);
            if (it == table.end()) it = table.emplace(parts[i], toml::table{}).first;
            node = &it->second;
        }
    }
    ctx.add_override(std::move(entry));
}

// ---------------------------------------------------------------------------------------------
// Writing

std::string binning_toml(const binning_config& binning) {
    std::string out = "{ kind = " + toml_quoted(name_of(binning.type)) +
                      ", bins = " + std::to_string(binning.bins);
    if (binning.type == binning_config::kind::fixed)
        out += ", low = " + format_double(binning.low) + ", high = " + format_double(binning.high);
    return out + " }";
}

std::string input_toml(const input_config& input, bool lateral) {
    std::string out = "{ ";
    if (lateral)
        out += "fan_in = " + std::to_string(input.fan_in) + ", ";
    else
        out += "source = " + toml_quoted(input.source) +
               ", identity = " + (input.identity ? "true" : "false") + ", ";
    if (input.diagonal) out += "diagonal = true, ";
    if (input.initial_weight) out += "initial_weight = " + format_double(*input.initial_weight) + ", ";
    out += std::string("learned = ") + (input.learned ? "true" : "false") +
           ", bias = " + (input.bias ? "true" : "false") +
           ", binning = " + binning_toml(input.binning) + " }";
    return out;
}

}  // namespace

std::string activation_toml(const activation_config& activation) {
    std::string out = "{ kind = " + toml_quoted(name_of(activation.type));
    switch (activation.type) {
        case activation_config::kind::two_class:
            out += ", k1 = " + format_double(activation.k1) + ", k2 = " + format_double(activation.k2);
            break;
        case activation_config::kind::three_class:
            out += ", a_context = " + format_double(activation.a_context) +
                   ", a_lateral = " + format_double(activation.a_lateral) +
                   ", b_context = " + format_double(activation.b_context) +
                   ", b_lateral = " + format_double(activation.b_lateral);
            break;
        case activation_config::kind::additive: break;
    }
    if (activation.theta_floor != activation_config{}.theta_floor)
        out += ", theta_floor = " + format_double(activation.theta_floor);
    // Written only when not the default, so that earlier runs' config.toml stay as they were.
    if (activation.output != activation_config{}.output)
        out += ", output = " + toml_quoted(name_of(activation.output));
    return out + " }";
}

network_config parse_config(std::string_view toml_text, std::string_view origin,
                            const std::vector<std::string>& overrides) {
    context ctx{std::string(origin)};
    if (const std::string problem = utf8_problem(toml_text); !problem.empty())
        throw config_error(std::string(origin) + ": " + problem);
    toml::value root;
    try {
        std::istringstream in{std::string(toml_text)};
        root = toml::parse(in, std::string(origin));
    } catch (const std::exception& error) {
        throw config_error(std::string(origin) + ": not valid TOML: " + error.what());
    }
    if (const auto bad = first_out_of_range(root, "")) {
        const std::string hint = bad->key == "training.seed"
                                     ? "; write a seed above 2^63 - 1 as a decimal string, e.g. "
                                       "seed = \"" + bad->literal + "\""
                                     : "";
        throw config_error(std::string(origin) + ": " + bad->key + " = " + bad->message() + hint);
    }
    for (const auto& text : overrides) apply_override(root, text, ctx);
    return convert(ctx, root);
}

network_config load_config(const std::filesystem::path& path,
                           const std::vector<std::string>& overrides) {
    const std::string reason = unreadable_file_reason(path);
    if (!reason.empty()) throw config_error(path.string() + ": " + reason);
    std::ifstream in(path, std::ios::binary);
    if (!in) throw config_error(path.string() + ": cannot open the configuration file");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw config_error(path.string() + ": cannot read the configuration file");
    return parse_config(text.str(), path.string(), overrides);
}

std::string to_toml(const network_config& config) {
    std::ostringstream out;
    out << "# Effective configuration written by infomorph; every setting is spelled out.\n\n";
    out << "task = " << toml_quoted(name_of(config.task)) << "\n\n";
    out << "[data]\n"
        << "directory = " << toml_quoted(config.data.directory) << "\n"
        << "validation_fraction = " << format_double(config.data.validation_fraction) << "\n\n";
    const auto& training = config.training;
    out << "[training]\n"
        << "epochs = " << training.epochs << "\n"
        << "batch_size = " << training.batch_size << "\n";
    if (training.seed <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        out << "seed = " << training.seed << "\n";
    else
        out << "seed = \"" << training.seed << "\"\n";
    out << "presentations = " << training.presentations << "\n"
        << "adam_beta1 = " << format_double(training.adam_beta1) << "\n"
        << "adam_beta2 = " << format_double(training.adam_beta2) << "\n"
        << "adam_epsilon = " << format_double(training.adam_epsilon) << "\n"
        << "evaluate_train = " << (training.evaluate_train ? "true" : "false") << "\n"
        << "checkpoint_every = " << training.checkpoint_every << "\n\n";
    out << "[output]\n"
        << "directory = " << toml_quoted(config.output.directory) << "\n";
    if (config.output.codes) out << "codes = true\n";  // (else as earlier runs wrote it)
    if (config.task == task_kind::memory) {
        const memory_config& m = config.memory;
        out << "\n[memory]\n"
            << "rule = " << toml_quoted(name_of(m.rule)) << "\n"
            << "load = " << format_double(m.load) << "\n";
        if (m.patterns > 0) out << "patterns = " << m.patterns << "\n";
        out << "batch_fraction = " << format_double(m.batch_fraction) << "\n"
            << "recall_cosine = " << format_double(m.recall_cosine) << "\n"
            << "success_fraction = " << format_double(m.success_fraction) << "\n"
            << "flip_fraction = " << format_double(m.flip_fraction) << "\n"
            << "max_recall_steps = " << m.max_recall_steps << "\n"
            << "recall_checks = " << m.recall_checks << "\n"
            << "early_stop = " << (m.early_stop ? "true" : "false") << "\n";
        const capacity_config& c = config.capacity;
        std::vector<std::string> flips;
        for (double f : c.flip_fractions) flips.push_back(format_double(f));
        out << "\n[capacity]\n"
            << "mode = " << toml_quoted(name_of(c.mode)) << "\n"
            << "start = " << format_double(c.start) << "\n"
            << "step = " << format_double(c.step) << "\n"
            << "stop = " << format_double(c.stop) << "\n"
            << "flip_fractions = [" << join(flips) << "]\n";
    }
    for (const auto& layer : config.layers) {
        out << "\n[[layers]]\n"
            << "name = " << toml_quoted(layer.name) << "\n"
            << "neurons = " << layer.neurons << "\n"
            << "learning_rate = " << format_double(layer.learning_rate) << "\n"
            << "weight_decay = " << format_double(layer.weight_decay) << "\n";
        std::vector<std::string> gamma;
        for (double g : layer.goal) gamma.push_back(format_double(g));
        out << "goal = [" << join(gamma) << "]";
        const int n_sources = 1 + (layer.contextual ? 1 : 0) + (layer.lateral ? 1 : 0);
        if (n_sources >= 2 && layer.goal.size() == pid::redundancy_lattice::of(n_sources).size() + 1)
            out << "  # " << join(atom_names(n_sources));
        out << "\n"
            << "activation = " << activation_toml(layer.activation) << "\n"
            << "receptive = " << input_toml(layer.receptive, false) << "\n";
        if (layer.contextual) out << "contextual = " << input_toml(*layer.contextual, false) << "\n";
        if (layer.lateral) out << "lateral = " << input_toml(*layer.lateral, true) << "\n";
        if (layer.weights_from)
            out << "weights_from = { file = " << toml_quoted(layer.weights_from->file)
                << ", layer = " << toml_quoted(layer.weights_from->layer) << " }\n";
    }
    return out.str();
}

}  // namespace infomorph::io
