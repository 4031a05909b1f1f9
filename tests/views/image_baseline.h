#pragma once
// Image-baseline comparison in the F3D manner: a view is rendered to PNG at a fixed size and
// compared with a committed baseline with a tolerance. Everything written goes to the build tree
// (the test's working folder): NAME.actual.png always, NAME.diff.png when pixels differ. A
// missing baseline fails the comparison; the message says where the rendering is to look at and
// commit. The source tree is never written.
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
