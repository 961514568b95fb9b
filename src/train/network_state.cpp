#include <infomorph/train/network_state.hpp>

#include <infomorph/io/config.hpp>
#include <infomorph/pid/lattice.hpp>
#include <infomorph/util/version.hpp>

#include <algorithm>
#include <map>
#include <sstream>
#include <stdexcept>

namespace infomorph {
namespace {

std::string class_path(const infomorphic_layer& layer, const compartment& c) {
    return "layers/" + layer.name() + "/" + c.role + "/";
}

template <typename T>
void write_table(io::h5_writer& file, const std::string& path, const infomorphic_layer& layer,
                 std::size_t n_cols, const std::vector<T>& local) {
    file.write_rows(path, layer.n_neurons(), n_cols, layer.owned().first,
                    std::span<const T>(local));
}

template <typename T>
void read_table(const io::h5_reader& file, const std::string& path,
                const infomorphic_layer& layer, std::size_t n_cols, std::span<T> out) {
    file.require_shape(path, {layer.n_neurons(), n_cols});
    const std::vector<T> rows = file.read_rows<T>(path, layer.owned().first, layer.n_local());
    if (rows.size() != out.size())
        throw std::runtime_error("checkpoint: " + path + " has " + std::to_string(rows.size()) +
                                 " values for the local neurons, expected " +
                                 std::to_string(out.size()));
    std::copy(rows.begin(), rows.end(), out.begin());
}

// "section.key" -> the line "key = value" of config.toml (comments kept: they follow the
// value), e.g. "training.epochs" -> "epochs = 2", "layers.hidden.goal" -> "goal = [...]".
std::map<std::string, std::string> settings_of(const std::string& toml) {
    std::map<std::string, std::string> settings;
    std::istringstream in(toml);
    std::string line, section, layer_order;
    while (std::getline(in, line)) {
        if (line.empty() || line.front() == '#') continue;
        if (line == "[[layers]]") {
            section = "layers.?";
            continue;
        }
        if (line.front() == '[') {
            section = line.substr(1, line.find(']') - 1);
            continue;
        }
        const std::size_t equals = line.find(" = ");
        if (equals == std::string::npos) continue;
        const std::string key = line.substr(0, equals);
        if (section == "layers.?" && key == "name") {
            // Layer names are TOML strings: "hidden" -> layers.hidden.
            const std::string name = line.substr(equals + 4, line.size() - equals - 5);
            section = "layers." + name;
            layer_order += (layer_order.empty() ? "" : ", ") + name;
            continue;
        }
        settings[section.empty() ? key : section + "." + key] = line;
    }
    // Layers are keyed by name above; their order is a setting of its own.
    settings["layers"] = "layers = " + layer_order;
    return settings;
}

// key is listed, or is "layers.<name>.<leaf>" where "layers.*.<leaf>" is.
bool is_resumable(const std::string& key, const std::vector<std::string>& allowed) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) return true;
    if (key.rfind("layers.", 0) != 0) return false;
    const std::string leaf = key.substr(key.rfind('.'));
    return std::find(allowed.begin(), allowed.end(), "layers.*" + leaf) != allowed.end();
}

}  // namespace

std::vector<std::string> resume_differences(const network_config& saved,
                                            const network_config& current) {
    const auto before = settings_of(io::to_toml(saved));
    const auto now = settings_of(io::to_toml(current));
    const auto& allowed = resumable_keys();
    auto value = [](const std::map<std::string, std::string>& settings, const std::string& key) {
        const auto it = settings.find(key);
        if (it == settings.end()) return std::string("(absent)");
        const std::string& line = it->second;
        std::string text = line.substr(line.find(" = ") + 3);
        if (text.front() == '[' && text.find("]  # ") != std::string::npos)
            text.erase(text.find("]  # ") + 1);  // a goal's atom-name comment
        return text;
    };
    std::vector<std::string> keys;
    for (const auto& [key, line] : before) keys.push_back(key);
    for (const auto& [key, line] : now)
        if (!before.count(key)) keys.push_back(key);
    std::vector<std::string> differences;
    for (const auto& key : keys) {
        if (is_resumable(key, allowed)) continue;
        const std::string a = value(before, key), b = value(now, key);
        if (a != b) differences.push_back(key + " = " + a + " in the checkpoint, " + b + " here");
    }
    return differences;
}

void write_network_state(io::h5_writer& file, const network& net, bool with_optimiser) {
    for (const infomorphic_layer& layer : net.layers()) write_layer_state(file, layer, with_optimiser);
}

void write_layer_state(io::h5_writer& file, const infomorphic_layer& layer, bool with_optimiser) {
    {
        for (const compartment& c : layer.compartments()) {
            const std::string path = class_path(layer, c);
            write_table(file, path + "weight", layer, c.n_inputs, c.weight);
            write_table(file, path + "bias", layer, 1, c.bias);
            if (c.sparse) write_table(file, path + "partner", layer, c.n_inputs, c.partner);
            if (with_optimiser && c.learned) {
                auto moments = [](std::span<const float> s) {
                    return std::vector<float>(s.begin(), s.end());
                };
                write_table(file, path + "adam/weight_m", layer, c.n_inputs,
                            moments(c.weight_optimiser.first_moment()));
                write_table(file, path + "adam/weight_v", layer, c.n_inputs,
                            moments(c.weight_optimiser.second_moment()));
                write_table(file, path + "adam/bias_m", layer, 1,
                            moments(c.bias_optimiser.first_moment()));
                write_table(file, path + "adam/bias_v", layer, 1,
                            moments(c.bias_optimiser.second_moment()));
            }
        }
    }
}

void write_neuron_atoms(io::h5_writer& file, const infomorphic_layer& layer,
                        std::span<const double> local_rows) {
    const auto n_sources = static_cast<int>(layer.compartments().size());
    const auto& lattice = pid::redundancy_lattice::of(n_sources);
    const std::string path = "layers/" + layer.name() + "/atoms";
    file.write_rows(path, layer.n_neurons(), lattice.size() + 1, layer.owned().first, local_rows);
    std::string names;
    for (std::size_t i = 0; i < lattice.size(); ++i) names += lattice.name(i) + ",";
    file.set_attribute(path, "columns", names + "h_res");
}

void read_network_state(const io::h5_reader& file, network& net, bool with_optimiser) {
    for (infomorphic_layer& layer : net.layers()) read_layer_state(file, layer, with_optimiser);
}

void read_layer_state(const io::h5_reader& file, infomorphic_layer& layer, bool with_optimiser) {
    {
        for (compartment& c : layer.compartments()) {
            const std::string path = class_path(layer, c);
            read_table<float>(file, path + "weight", layer, c.n_inputs, c.weight);
            read_table<float>(file, path + "bias", layer, 1, c.bias);
            if (c.sparse) {
                std::vector<std::uint32_t> partner(c.partner.size());
                read_table<std::uint32_t>(file, path + "partner", layer, c.n_inputs, partner);
                // A layer that started from a stored one has that layer's partners, not the
                // ones this configuration's seed would draw.
                if (layer.config().weights_from)
                    c.partner = std::move(partner);
                else if (partner != c.partner)
                    throw std::runtime_error("checkpoint: " + path +
                                             "partner differs from this configuration's lateral "
                                             "partners (another seed or fan_in?)");
            }
            if (!c.learned || !with_optimiser) continue;
            for (const char* moment : {"weight_m", "weight_v", "bias_m", "bias_v"})
                if (!file.has(path + "adam/" + moment))
                    throw std::runtime_error(
                        "checkpoint " + file.path().string() + " lacks the optimiser state " +
                        path + "adam/" + moment +
                        " (a results file such as network.h5 holds the final weights only, or "
                        "the checkpoint is damaged: resume from the run's checkpoint.h5)");
            read_table<float>(file, path + "adam/weight_m", layer, c.n_inputs,
                              c.weight_optimiser.first_moment());
            read_table<float>(file, path + "adam/weight_v", layer, c.n_inputs,
                              c.weight_optimiser.second_moment());
            read_table<float>(file, path + "adam/bias_m", layer, 1,
                              c.bias_optimiser.first_moment());
            read_table<float>(file, path + "adam/bias_v", layer, 1,
                              c.bias_optimiser.second_moment());
        }
    }
}

namespace {

// What must agree between a layer and the stored one whose weights it starts from: everything
// that shapes its weights or what they mean (not its goal, learning rate or binning, which only
// steer learning).
std::vector<std::string> shape_differences(const layer_config& stored, const layer_config& here) {
    std::vector<std::string> differences;
    auto compare = [&](const std::string& what, const std::string& a, const std::string& b) {
        if (a != b) differences.push_back(what + " " + a + " there, " + b + " here");
    };
    compare("neurons", std::to_string(stored.neurons), std::to_string(here.neurons));
    compare("activation", io::activation_toml(stored.activation),
            io::activation_toml(here.activation));
    auto describe = [](const std::optional<input_config>& input, bool lateral) {
        if (!input) return std::string("(none)");
        std::string text = lateral ? "fan_in " + std::to_string(input->fan_in)
                                   : "source " + input->source;
        text += input->bias ? ", bias" : ", no bias";
        if (input->identity) text += ", identity";
        if (input->diagonal) text += ", diagonal";
        return text;
    };
    compare("receptive", describe(stored.receptive, false), describe(here.receptive, false));
    compare("contextual", describe(stored.contextual, false), describe(here.contextual, false));
    compare("lateral", describe(stored.lateral, true), describe(here.lateral, true));
    return differences;
}

}  // namespace

void load_initial_weights(network& net, const distributed_context& context) {
    for (infomorphic_layer& layer : net.layers()) {
        const auto& from = layer.config().weights_from;
        if (!from) continue;
        const std::string where = "layers." + layer.name() + ".weights_from: " + from->file;
        auto file = [&] {
            try {
                return io::h5_reader(from->file, context);
            } catch (const std::exception& error) {
                throw std::runtime_error("layers." + layer.name() + ".weights_from: " + error.what());
            }
        }();
        if (!file.has_attribute("/", "configuration"))
            throw std::runtime_error(where + " is not a network.h5 or checkpoint.h5 of infomorph "
                                     "(it has no configuration attribute)");
        const network_config stored =
            io::parse_config(file.string_attribute("/", "configuration"), from->file);
        const auto found = std::find_if(stored.layers.begin(), stored.layers.end(),
                                        [&](const layer_config& l) { return l.name == from->layer; });
        if (found == stored.layers.end()) {
            std::string names;
            for (const auto& l : stored.layers) names += (names.empty() ? "" : ", ") + l.name;
            throw std::runtime_error(where + " holds no layer '" + from->layer + "' (it has " +
                                     names + ")");
        }
        const auto differences = shape_differences(*found, layer.config());
        if (!differences.empty()) {
            std::string list;
            for (const auto& d : differences) list += (list.empty() ? "" : "; ") + d;
            throw std::runtime_error(where + ": layer '" + from->layer +
                                     "' there has another shape than layer '" + layer.name() +
                                     "' here: " + list);
        }
        try {
            for (compartment& c : layer.compartments()) {
                const std::string path = "layers/" + from->layer + "/" + c.role + "/";
                read_table<float>(file, path + "weight", layer, c.n_inputs, c.weight);
                read_table<float>(file, path + "bias", layer, 1, c.bias);
                if (!c.sparse) continue;
                // The stored layer's partners (its seed chose them), not this run's.
                read_table<std::uint32_t>(file, path + "partner", layer, c.n_inputs, c.partner);
                for (std::size_t i = 0; i < c.partner.size(); ++i) {
                    const std::size_t j = layer.owned().first + i / c.n_inputs;
                    // (A lateral neuron never reads itself; a diagonal class reads only itself.)
                    if (c.partner[i] >= c.n_source || (c.role == "lateral" && c.partner[i] == j))
                        throw std::runtime_error(path + "partner of neuron " + std::to_string(j) +
                                                 " is " + std::to_string(c.partner[i]) +
                                                 ", not another of the " +
                                                 std::to_string(c.n_source) + " neurons");
                }
            }
        } catch (const std::exception& error) {
            // The stored layer's inputs have other sizes (another data set), or the file is
            // damaged: say which key led here.
            throw std::runtime_error(where + ": " + error.what());
        }
    }
}

void write_run_attributes(io::h5_writer& file, const network_config& config,
                          const run_progress& progress, int n_ranks, state_file contents,
                          const input_identity& inputs) {
    file.set_attribute("/", "contents",
                       contents == state_file::checkpoint ? "checkpoint" : "results");
    file.set_attribute("/", "configuration", io::to_toml(config));
    file.set_attribute("/", "input_fingerprint", inputs.fingerprint);
    file.set_attribute("/", "input", inputs.description);
    file.set_attribute("/", "epochs_done", progress.epochs_done);
    file.set_attribute("/", "updates", static_cast<std::int64_t>(progress.updates));
    file.set_attribute("/", "done", progress.done ? 1 : 0);
    file.set_attribute("/", "seed", config.training.seed);
    file.set_attribute("/", "ranks", n_ranks);
    file.set_attribute("/", "infomorph_version", std::string_view(library_version()));
}

const std::vector<std::string>& resumable_keys() {
    static const std::vector<std::string> keys = {
        "data.directory",           "output.directory",        "output.codes",
        "layers.*.weights_from",
        "training.epochs",
        "training.checkpoint_every", "training.evaluate_train", "memory.recall_cosine",
        "memory.success_fraction",  "memory.flip_fraction",    "memory.max_recall_steps",
        "memory.recall_checks",     "memory.early_stop",       "capacity.mode",
        "capacity.start",           "capacity.step",           "capacity.stop",
        "capacity.flip_fractions"};
    return keys;
}

run_progress read_run_progress(const io::h5_reader& file, const network_config& config,
                               const input_identity& inputs) {
    const std::string name = file.path().string();
    if (file.has_attribute("/", "contents") && file.string_attribute("/", "contents") != "checkpoint")
        throw std::runtime_error(name + " holds a run's results (final weights without the "
                                 "optimiser state), not a checkpoint: resume from the run's "
                                 "checkpoint.h5");
    const network_config saved =
        io::parse_config(file.string_attribute("/", "configuration"), name);
    // Output samples, lateral partners, patterns and the data order are keyed by the seed:
    // resuming with another one would silently continue a different run.
    if (saved.training.seed != config.training.seed)
        throw std::runtime_error("checkpoint " + name + " was written with seed " +
                                 std::to_string(saved.training.seed) + ", this run has seed " +
                                 std::to_string(config.training.seed));
    if (saved.task != config.task)
        throw std::runtime_error("checkpoint " + name + " was written by a run of another task");
    const std::vector<std::string> differences = resume_differences(saved, config);
    if (!differences.empty()) {
        std::string list;
        for (const auto& d : differences) list += (list.empty() ? "" : "; ") + d;
        std::string allowed;
        for (const auto& k : resumable_keys()) allowed += (allowed.empty() ? "" : ", ") + k;
        throw std::runtime_error("checkpoint " + name + " was written by a run with other "
                                 "settings, which this run would not continue: " + list +
                                 ". A resumed run may change only " + allowed);
    }
    // The data may move (data.directory is resumable), but it must be the same data.
    if (file.has_attribute("/", "input_fingerprint") &&
        file.uint64_attribute("/", "input_fingerprint") != inputs.fingerprint)
        throw std::runtime_error("checkpoint " + name + " was trained on other input data: " +
                                 file.string_attribute("/", "input") + " there, " +
                                 inputs.description + " here");
    run_progress progress;
    progress.epochs_done = static_cast<int>(file.int64_attribute("/", "epochs_done"));
    progress.updates = static_cast<std::uint64_t>(file.int64_attribute("/", "updates"));
    progress.done = file.has_attribute("/", "done") && file.int64_attribute("/", "done") != 0;
    return progress;
}

}  // namespace infomorph
