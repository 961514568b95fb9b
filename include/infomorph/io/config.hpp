#pragma once
// Experiment configurations in TOML: parsing (with command-line overrides), validation and
// writing back. The schema mirrors model/network_config.hpp; configs/*.toml are examples.
//
//   [data]      directory, validation_fraction
//   [training]  epochs, batch_size, seed, presentations, adam_beta1, adam_beta2, adam_epsilon,
//               evaluate_train, checkpoint_every
//   [output]    directory
//   [[layers]]  name, neurons, learning_rate, weight_decay, goal, activation, binning,
//               receptive, contextual, lateral
//
// A layer's goal is either an array (the atoms in lattice order, then h_res) or a table of atom
// names, e.g. { "{1}{2}" = 1.0, h_res = 0.0 }. Sources are numbered receptive = 1, then contextual,
// then lateral. A layer-level `binning` is the default of its input classes. Every key is checked:
// an unknown key, a wrong type or a bad value throws config_error naming the origin and the full
// dotted key (layers are addressed by name: layers.hidden.lateral.fan_in).
//
// Checked later, not here (they need the data): that an identity class reading "image" or
// "label" has as many inputs as the layer has neurons.

#include <infomorph/model/network_config.hpp>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace infomorph::io {

// A configuration that does not parse or does not make sense. The message starts with the origin
// (file name, or "--set" for an override) and names the full key.
class config_error : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

// Parses and validates a configuration; origin names it in error messages (usually the file).
// overrides: "key=value" strings as given to --set, applied to the TOML tree before it is
// converted, e.g. "training.epochs=10", "layers.hidden.goal=[1,0,0,0,0]", "data.directory=/x".
// The value is read as a TOML value; a value that is not valid TOML but does not start with one
// of [ { " ' is taken as a bare string, and a key whose type is a string takes the text as given.
// An override of an activation's or a binning's kind makes the file's parameters of the other kind
// unused instead of an error (e.g. layers.hidden.receptive.binning.kind=adaptive with low/high).
network_config parse_config(std::string_view toml_text, std::string_view origin,
                            const std::vector<std::string>& overrides = {});

// Reads the file and parses it with parse_config; throws config_error if it cannot be read.
network_config load_config(const std::filesystem::path& path,
                           const std::vector<std::string>& overrides = {});

// The complete effective configuration (every field written out) as TOML that parse_config reads
// back to an equal network_config. Binning bounds are written for fixed binning only.
std::string to_toml(const network_config& config);

// An activation as config.toml writes it: "{ kind = \"two_class\", k1 = 0.9, k2 = 2 }".
std::string activation_toml(const activation_config& activation);

}  // namespace infomorph::io
