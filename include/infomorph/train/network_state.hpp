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

#include <span>
#include <string>
#include <vector>

namespace infomorph {

// Collective: every rank writes the rows of the neurons it owns.
void write_network_state(io::h5_writer& file, const network& net, bool with_optimiser);

// Per-neuron PID atoms and H_res of one layer (rows of the local neurons), with the atom names
// as an attribute.
void write_neuron_atoms(io::h5_writer& file, const infomorphic_layer& layer,
                        std::span<const double> local_rows);

// Reads weights, biases and (if present) Adam moments into the network's local neurons. Throws
// naming the file and dataset if a layer or class is missing or has the wrong shape (a checkpoint
// of a different configuration).
void read_network_state(const io::h5_reader& file, network& net);

}  // namespace infomorph
