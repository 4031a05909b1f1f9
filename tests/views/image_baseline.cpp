#include "image_baseline.h"

#include <QDir>
#include <QFileInfo>
#include <algorithm>
#include <cstdlib>

namespace es::test {

BaselineResult compare_to_baseline(const QImage& image, const QString& name, double tolerance,
                                   int threshold) {
    BaselineResult r;
    const QString path = QStringLiteral(EIGENSCOPE_BASELINES "/") + name + QStringLiteral(".png");
    // Every rendering is also kept next to the test binary (in the build tree), for looking at a
    // failure; the source tree is never written.
    const QString out = QDir::current().filePath(name + QStringLiteral(".actual.png"));
    image.save(out);
    if (!QFileInfo::exists(path)) {
        r.message = QStringLiteral(
                        "no baseline %1: the rendering is in %2; look at it, copy it "
                        "there, commit it, rerun")
                        .arg(path, out);
        return r;
    }
    const QImage base = QImage(path).convertToFormat(QImage::Format_ARGB32);
    const QImage img = image.convertToFormat(QImage::Format_ARGB32);
    if (base.size() != img.size()) {
        r.message = QStringLiteral("size %1x%2, baseline %3x%4")
                        .arg(img.width())
                        .arg(img.height())
                        .arg(base.width())
                        .arg(base.height());
        return r;
    }
    // The diff image: differing pixels in red over a faded baseline, for looking at a failure.
    QImage diff(img.size(), QImage::Format_ARGB32);
    long long differing = 0;
    for (int y = 0; y < img.height(); ++y) {
        const QRgb* a = reinterpret_cast<const QRgb*>(img.constScanLine(y));
        const QRgb* b = reinterpret_cast<const QRgb*>(base.constScanLine(y));
        QRgb* o = reinterpret_cast<QRgb*>(diff.scanLine(y));
        for (int x = 0; x < img.width(); ++x) {
            const int d =
                std::max({std::abs(qRed(a[x]) - qRed(b[x])), std::abs(qGreen(a[x]) - qGreen(b[x])),
                          std::abs(qBlue(a[x]) - qBlue(b[x]))});
            const int faded = 192 + qGray(b[x]) / 4;
            o[x] = d > threshold ? qRgb(255, 0, 0) : qRgb(faded, faded, faded);
            if (d > threshold) ++differing;
        }
    }
    r.differing_fraction = double(differing) / double(img.width() * img.height());
    r.ok = r.differing_fraction <= tolerance;
    QString diff_note;
    if (differing > 0) {
        const QString diff_path = QDir::current().filePath(name + QStringLiteral(".diff.png"));
        diff.save(diff_path);
        diff_note = QStringLiteral(", differences in %1").arg(diff_path);
    }
    r.message = QStringLiteral("%1: %2% of pixels differ (tolerance %3%); rendering in %4%5")
                    .arg(name)
                    .arg(100 * r.differing_fraction, 0, 'f', 3)
                    .arg(100 * tolerance)
                    .arg(out, diff_note);
    return r;
}

}  // namespace es::test
