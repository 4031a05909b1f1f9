#pragma once
// Shared by the VTK bridge tests: a scene with exactly known pixels, and the OpenGL setup that
// app/gui/main.cpp does before QApplication exists.
#include <QColor>
#include <QImage>
#include <QString>
#include <QSurfaceFormat>
#include <QTest>
#include <cstdlib>

#include <vtkActor.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkSmartPointer.h>

#include "vtk/vtk_gl_widget.h"
#include "vtk/vtk_shapes.h"

namespace es::widgets::test {

using es::widgets::VtkGlWidget;

// The app's surface format (VTK needs GLX and a 3.2 core context). Before QApplication.
inline void set_vtk_surface_format() {
    VtkGlWidget::set_default_surface_format();
}

inline const QColor kBackground(51, 102, 153);  // (0.2, 0.4, 0.6) in 8 bits
inline const QColor kRed(255, 0, 0);

// An unlit red sphere: flat colour, so exact pixel values can be asserted.
inline vtkSmartPointer<vtkActor> red_sphere() {
    auto actor = sphere_actor(1.0, 48, 48);
    actor->GetProperty()->SetColor(1.0, 0.0, 0.0);
    actor->GetProperty()->LightingOff();
    return actor;
}

inline void build_scene(VtkGlWidget& w, vtkActor* actor) {
    w.renderer()->SetBackground(0.2, 0.4, 0.6);
    w.renderer()->AddActor(actor);
    w.renderer()->ResetCamera();  // the sphere fills the middle, the corners stay background
}

// Shows `w` at width x height; true once its window is exposed.
inline bool show_at(QWidget& w, int width, int height) {
    w.resize(width, height);
    w.show();
    return QTest::qWaitForWindowExposed(&w);
}

// build_scene with a red sphere of its own, shown at width x height; true once exposed.
inline bool show_scene(VtkGlWidget& w, int width, int height) {
    build_scene(w, red_sphere());
    return show_at(w, width, height);
}

inline bool near(QColor a, QColor b, int tol = 3) {
    return std::abs(a.red() - b.red()) <= tol && std::abs(a.green() - b.green()) <= tol &&
           std::abs(a.blue() - b.blue()) <= tol;
}

inline QString describe(QColor c) {
    return QStringLiteral("(%1,%2,%3,a%4)")
        .arg(c.red())
        .arg(c.green())
        .arg(c.blue())
        .arg(c.alpha());
}

// Empty when `img` shows the scene: background in the corners, red in the centre.
inline QString scene_problem(const QImage& img) {
    if (img.isNull()) return QStringLiteral("null image");
    const int w = img.width();
    const int h = img.height();
    const QPoint corners[] = {{2, 2}, {w - 3, 2}, {2, h - 3}, {w - 3, h - 3}};
    for (QPoint p : corners) {
        const QColor c = img.pixelColor(p);
        if (!near(c, kBackground)) {
            return QStringLiteral("corner (%1,%2) is %3").arg(p.x()).arg(p.y()).arg(describe(c));
        }
    }
    const QColor centre = img.pixelColor(w / 2, h / 2);
    if (!near(centre, kRed)) return QStringLiteral("centre is %1").arg(describe(centre));
    return {};
}

}  // namespace es::widgets::test

#define VERIFY_SCENE(image)                                 \
    do {                                                    \
        const QString problem_ = scene_problem(image);      \
        QVERIFY2(problem_.isEmpty(), qPrintable(problem_)); \
    } while (false)
