#pragma once
// A task says what a training step reads and how a run is evaluated (docs/tasks.md). The run
// (run.hpp) owns everything else: configuration, output directory, epochs, checkpoints, metrics
// files, resumption on any rank count and progress output. Two tasks exist:
//
//   classification   images and labels of an IDX data set; accuracy of the readout on the
//                    train / validation / test splits (classification_task.hpp)
//   memory           random +-1 patterns stored in a recurrent layer; the fraction recalled by
//                    the deterministic dynamics (memory_task.hpp)
//
// Every member function is collective: every rank of the task's context calls it in the same
// order.

#include <infomorph/comm/distributed_context.hpp>
#include <infomorph/io/metrics_log.hpp>
#include <infomorph/model/network_config.hpp>
#include <infomorph/train/input_identity.hpp>
#include <infomorph/util/phase_timer.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace infomorph {

// Bytes of activity this rank put into and took out of the exchanges of training steps.
struct traffic {
    std::int64_t sent = 0;
    std::int64_t received = 0;
    std::int64_t exchanges = 0;
};

// What one epoch of a task produced.
struct epoch_report {
    int epoch = 0;                  // 1-based
    double train_seconds = 0;       // the training pass
    double evaluation_seconds = 0;  // evaluation after it
    io::metrics_record metrics;     // the task's columns of metrics.csv / metrics.h5
    std::string progress;           // the task's part of the epoch's progress line
    bool done = false;              // the task needs no further epoch (e.g. memory: recalled)
    // The epoch was evaluated (classification: always; memory: at the recall checks). The run
    // prints such epochs' progress at once and others at most every few seconds.
    bool evaluated = false;
};

class task {
public:
    virtual ~task() = default;

    // One line for the start of a run: the network and the data, e.g. "layers: hidden(100)
    // readout(10); 47 batches per epoch".
    virtual std::string summary() const = 0;
    // Column labels of the metrics' vectors (the atom names of every layer).
    virtual void label_metrics(io::metrics_log& metrics) const = 0;
    // What this rank read (not collective: the run compares it across ranks).
    virtual input_identity inputs() const = 0;

    // Trains epoch `epoch` (0-based) and evaluates as the task does.
    virtual epoch_report run_epoch(int epoch) = 0;

    // Epochs done so far (restored by resume); whether the task ended early (and so needs no
    // further epoch even below training.epochs).
    virtual int epochs_done() const = 0;
    virtual bool done() const = 0;

    // Weights, optimiser state and progress, written atomically (temporary file, then rename).
    virtual void save_checkpoint(const std::filesystem::path& file) = 0;
    // The final network: weights and the per-neuron atoms of the last epoch.
    virtual void save_network(const std::filesystem::path& file) = 0;
    // Result files beyond network.h5 that this run writes at its end (names in the output
    // directory; the classification task's codes.h5 with output.codes), and writing them.
    virtual std::vector<std::string> further_result_files() const { return {}; }
    virtual void save_further_results(const std::filesystem::path& /*directory*/) {}
    // Continues from a checkpoint written by save_checkpoint, on any rank count.
    virtual void resume(const std::filesystem::path& checkpoint) = 0;
    // A run that does not resume: layers with weights_from start from the stored layer (a
    // resumed run takes every weight from its checkpoint, so the stored file may be gone).
    virtual void load_stored_weights() {}

    virtual const phase_timer& timer() const = 0;
    virtual const traffic& activity_traffic() const = 0;
};

// The task that config.task names, with this rank's block of every layer. Throws (naming the
// problem) if the configuration does not fit the task or its data cannot be read.
std::unique_ptr<task> make_task(const network_config& config, const distributed_context& context);

}  // namespace infomorph
