#pragma once
// How one source scalar is binned for the soft joint histogram (docs/method.md section 3).

namespace infomorph {

struct binning_config {
    enum class kind { fixed, adaptive };
    kind type = kind::adaptive;
    int bins = 20;
    double low = -20.0;  // fixed only: values outside are clamped into the edge bins
    double high = 20.0;
};

}  // namespace infomorph
