#pragma once
// Image-baseline comparison in the F3D manner: a view is rendered to PNG at a fixed size and
// compared with a committed baseline with a tolerance. A missing baseline is written (so it can be
// looked at and committed) and the comparison fails.
#include <QImage>
#include <QString>

namespace es::test {

struct BaselineResult {
    bool ok = false;
    double differing_fraction =
        1.0;  // pixels whose largest channel difference exceeds the threshold
    QString message;
};

// tolerance: the fraction of pixels allowed to differ by more than `threshold` (0-255) in a
// channel.
BaselineResult compare_to_baseline(const QImage& image, const QString& name,
                                   double tolerance = 0.01, int threshold = 48);

}  // namespace es::test
