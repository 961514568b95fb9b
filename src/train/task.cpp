#include <infomorph/train/task.hpp>

#include <infomorph/train/classification_task.hpp>
#include <infomorph/train/memory_task.hpp>

namespace infomorph {

std::unique_ptr<task> make_task(const network_config& config, const distributed_context& context) {
    switch (config.task) {
        case task_kind::classification:
            return std::make_unique<classification_task>(config, context);
        case task_kind::memory: return std::make_unique<memory_task>(config, context);
    }
    throw std::invalid_argument("make_task: unknown task");
}

}  // namespace infomorph
