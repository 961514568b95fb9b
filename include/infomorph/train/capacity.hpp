#pragma once
// The capacity of an associative memory (docs/tasks.md, "Capacity"): at each load alpha of the
// configuration's [capacity] grid a fresh memory stores P = round(alpha * N) patterns (trained
// for at most training.epochs, stopping early once memory.success_fraction of them are
// recalled); the load holds when that fraction is recalled. A sweep goes up the grid and stops
// at the first load that fails; a bisection assumes that holding is monotone in the load and
// halves the grid. The capacity is the largest load that held. At each load that holds, recall
// is also tried from cues with the configuration's flip fractions; flip_max is the largest that
// still recalls.
//
// Outputs (rank 0, rewritten after every load through a temporary file, so a killed sweep keeps
// every load it finished): capacity.csv (one row per rule, seed and load), capacity_summary.csv
// (one row per rule and seed) and capacity.h5 (the same columns as datasets).

#include <infomorph/comm/distributed_context.hpp>
#include <infomorph/model/network_config.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace infomorph {

struct load_result {
    memory_rule rule = memory_rule::infomorphic;
    std::uint64_t seed = 0;
    std::size_t neurons = 0;
    double load = 0;
    std::size_t patterns = 0;
    double recalled_fraction = 0;
    double mean_cosine = 0;
    int epochs = 0;        // epochs trained (0 for Hebbian weights)
    double seconds = 0;    // training and recall
    bool held = false;
    double flip_max = 0;   // the largest flip fraction recalled (0: none tried or none held)
};

// The loads of the grid, start, start + step, ... <= stop, without two that give the same
// number of patterns for n_neurons (or none).
std::vector<double> capacity_loads(const capacity_config& grid, std::size_t n_neurons);

// Trains (or sets, for Hebbian) one memory of config's layer with P patterns and measures it.
// Collective.
load_result measure_load(const network_config& config, std::size_t n_patterns,
                         const distributed_context& context);

// "1-10", "1,3,5", "1 2 3" or a mix: the seeds, in the order given. Throws
// std::invalid_argument naming the bad part.
std::vector<std::uint64_t> parse_seed_list(const std::string& text);

struct capacity_options {
    std::filesystem::path config_file;
    std::vector<std::string> overrides;
    std::vector<std::uint64_t> seeds;  // empty: training.seed
    bool quiet = false;
};

// The whole sweep (or bisection) for every seed; returns the exit code (0, or 2 for bad input).
int run_capacity(const capacity_options& options, const distributed_context& context);

}  // namespace infomorph
