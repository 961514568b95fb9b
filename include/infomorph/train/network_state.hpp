#pragma once
// The state of a network in an HDF5 file, laid out by global neuron id so that a file written on
// P ranks is read back on any other number of ranks:
//
//   layers/<layer>/<class>/weight     n_neurons x n_inputs   float
//   layers/<layer>/<class>/bias       n_neurons              float
//   layers/<layer>/<class>/partner    n_neurons x fan_in     uint32 (sparse lateral classes)
//   layers/<layer>/<class>/adam/{weight_m, weight_v, bias_m, bias_v}   (checkpoints only)
//   layers/<layer>/atoms              n_neurons x (n_atoms + 1)  double (results only)

#include <infomorph/io/h5_file.hpp>
#include <infomorph/model/network.hpp>
#include <infomorph/train/input_identity.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace infomorph {

// Collective: every rank writes the rows of the neurons it owns.
void write_network_state(io::h5_writer& file, const network& net, bool with_optimiser);
void write_layer_state(io::h5_writer& file, const infomorphic_layer& layer, bool with_optimiser);

// Per-neuron PID atoms and H_res of one layer (rows of the local neurons), with the atom names
// as an attribute.
void write_neuron_atoms(io::h5_writer& file, const infomorphic_layer& layer,
                        std::span<const double> local_rows);

// Reads weights, biases and Adam moments into the network's local neurons. Throws naming the file
// and dataset if a layer or class is missing or has the wrong shape (a checkpoint of a different
// configuration), or if a learned class lacks its Adam moments: resuming without them would
// restart the optimiser and silently continue a different run. with_optimiser = false reads the
// weights alone (a results file, for evaluation).
void read_network_state(const io::h5_reader& file, network& net, bool with_optimiser = true);
void read_layer_state(const io::h5_reader& file, infomorphic_layer& layer,
                      bool with_optimiser = true);

// The layers with weights_from start from the stored layer's weights, biases and lateral
// partners (read into this rank's neurons; collective over the network's ranks). Throws naming
// the file, the layer and the difference if the stored layer has another shape: other neuron
// count, activation, input classes or sources, fan-in, biases (docs/unsupervised.md).
void load_initial_weights(network& net, const distributed_context& context);

// How far a run has come, as checkpoints and results record it in root attributes (beside the
// effective configuration, the seed, the rank count and the version).
struct run_progress {
    int epochs_done = 0;
    std::uint64_t updates = 0;
    bool done = false;  // the task ended before training.epochs (memory: patterns recalled)
};

// What a file holds, in its root attribute "contents": a checkpoint (weights and optimiser
// state, to resume from) or the results (final weights and atoms, network.h5).
enum class state_file { checkpoint, results };

// inputs: what the run trained on (its fingerprint and description are stored, so that a resume
// can tell another data set from the same one in another directory).
void write_run_attributes(io::h5_writer& file, const network_config& config,
                          const run_progress& progress, int n_ranks, state_file contents,
                          const input_identity& inputs);

// The progress recorded in a checkpoint that this configuration may resume with these inputs.
// Throws naming the file if it is not a checkpoint (a network.h5) or was written by a run that
// this one does not continue: another seed, task, network, goal or any other setting that shapes
// training (each differing key with both values; see resume_differences), or other input data
// (a checkpoint written before fingerprints were recorded is not checked for it). Only the
// schedule and evaluation keys of resumable_keys() may differ (training.epochs, say).
run_progress read_run_progress(const io::h5_reader& file, const network_config& config,
                               const input_identity& inputs);

// The settings in which a run's configuration differs from a checkpoint's, outside
// resumable_keys(), one entry each: "layers.hidden.goal = [...] in the checkpoint, [...] here".
// The order of the layers counts (random streams and feedback follow it): "layers = hidden,
// readout in the checkpoint, readout, hidden here".
std::vector<std::string> resume_differences(const network_config& checkpoint,
                                            const network_config& current);

// The configuration keys a resumed run may change: where it writes and reads, how long it runs,
// how often it checkpoints and how it evaluates. Dotted, as in config.toml; "layers.*.<key>"
// stands for that key of every layer (weights_from: the checkpoint holds the weights). (A memory run whose
// checkpoint says it already stopped early stays stopped, whatever memory.early_stop says now.)
const std::vector<std::string>& resumable_keys();

}  // namespace infomorph
