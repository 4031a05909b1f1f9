#pragma once
// Small VTK props built the same way wherever they are needed (the 3-D view's guide sphere, the
// bridge tests' known scene), so a change to how a source is mapped is made once.
#include <vtkActor.h>
#include <vtkPolyDataMapper.h>
#include <vtkSmartPointer.h>
#include <vtkSphereSource.h>

namespace es::widgets {

// A sphere of `radius` around the origin as an actor with its own mapper; colour, lighting and
// representation are the caller's.
inline vtkSmartPointer<vtkActor> sphere_actor(double radius, int theta_resolution,
                                              int phi_resolution) {
    auto source = vtkSmartPointer<vtkSphereSource>::New();
    source->SetRadius(radius);
    source->SetThetaResolution(theta_resolution);
    source->SetPhiResolution(phi_resolution);
    auto mapper = vtkSmartPointer<vtkPolyDataMapper>::New();
    mapper->SetInputConnection(source->GetOutputPort());
    auto actor = vtkSmartPointer<vtkActor>::New();
    actor->SetMapper(mapper);
    return actor;
}

}  // namespace es::widgets
