#include "projection3d_screen_pass.h"

#include <algorithm>

#include <vtkCamera.h>
#include <vtkMatrix4x4.h>
#include <vtkOpenGLQuadHelper.h>
#include <vtkOpenGLRenderWindow.h>
#include <vtkOpenGLShaderCache.h>
#include <vtkOpenGLState.h>
#include <vtkRenderer.h>
#include <vtkShaderProgram.h>
#include <vtkTextureObject.h>
#include <vtk_glew.h>

namespace es::widgets {

ScreenPassMapper::ScreenPassMapper(const char* fragment, const char* what)
    : fragment_(fragment), what_(what) {}

ScreenPassMapper::~ScreenPassMapper() {
    ReleaseGraphicsResources(nullptr);
}

void ScreenPassMapper::set_points(std::vector<std::array<float, 3>> points,
                                  const double bounds[6]) {
    points_ = std::move(points);
    std::copy(bounds, bounds + 6, bounds_);
    Modified();
}

double* ScreenPassMapper::GetBounds() {
    std::copy(bounds_, bounds_ + 6, Bounds);
    return Bounds;
}

void ScreenPassMapper::ReleaseGraphicsResources(vtkWindow* window) {
    if (quad_) quad_->ReleaseGraphicsResources(window);
    quad_.reset();
    for (Slot& s : slots_) {
        if (!s.texture) continue;
        // Without a window (the destructor) the context may be gone: only the object goes.
        if (window) s.texture->ReleaseGraphicsResources(window);
        s.texture->Delete();
        s.texture = nullptr;
    }
}

bool ScreenPassMapper::frame_of(vtkRenderer* renderer, Frame& frame) {
    frame.window = vtkOpenGLRenderWindow::SafeDownCast(renderer->GetRenderWindow());
    if (!frame.window) return false;
    int x0 = 0, y0 = 0;
    renderer->GetTiledSizeAndOrigin(&frame.width, &frame.height, &x0, &y0);
    if (frame.width <= 0 || frame.height <= 0) return false;
    frame.to_ndc =
        renderer->GetActiveCamera()
            ->GetCompositeProjectionTransformMatrix(renderer->GetTiledAspectRatio(), -1, 1)
            ->GetData();
    frame.dpi_scale = frame.window->GetDPI() / 72.0;
    return true;
}

vtkShaderProgram* ScreenPassMapper::ready_program(vtkOpenGLRenderWindow* window) {
    if (!quad_) {
        quad_ = std::make_unique<vtkOpenGLQuadHelper>(window, nullptr, fragment_, "");
    } else {
        window->GetShaderCache()->ReadyShaderProgram(quad_->Program);
    }
    vtkShaderProgram* program = quad_->Program;
    if (!program || !program->GetCompiled()) {
        vtkErrorMacro(<< what_ << " shader did not compile");
        return nullptr;
    }
    return program;
}

void ScreenPassMapper::upload(std::size_t slot, const char* sampler, vtkOpenGLRenderWindow* window,
                              int width, int height, int components, int type, const void* data,
                              bool clamp) {
    if (slots_.size() <= slot) slots_.resize(slot + 1);
    Slot& s = slots_[slot];
    if (!s.texture) {
        s.texture = vtkTextureObject::New();
        s.texture->SetContext(window);
    }
    s.sampler = sampler;
    vtkTextureObject* t = s.texture;
    t->Create2DFromRaw(static_cast<unsigned>(width), static_cast<unsigned>(height), components,
                       type, const_cast<void*>(data));
    t->SetMinificationFilter(vtkTextureObject::Nearest);
    t->SetMagnificationFilter(vtkTextureObject::Nearest);
    if (clamp) {
        t->SetWrapS(vtkTextureObject::ClampToEdge);
        t->SetWrapT(vtkTextureObject::ClampToEdge);
    }
}

void ScreenPassMapper::draw(vtkOpenGLRenderWindow* window, bool depth) {
    for (const Slot& s : slots_) {
        if (!s.texture) continue;
        s.texture->Activate();
        quad_->Program->SetUniformi(s.sampler, s.texture->GetTextureUnit());
    }
    vtkOpenGLState* state = window->GetState();
    vtkOpenGLState::ScopedglEnableDisable depth_test(state, GL_DEPTH_TEST);
    vtkOpenGLState::ScopedglEnableDisable blend(state, GL_BLEND);
    vtkOpenGLState::ScopedglDepthMask depth_mask(state);
    if (depth)
        state->vtkglEnable(GL_DEPTH_TEST);
    else
        state->vtkglDisable(GL_DEPTH_TEST);
    state->vtkglDisable(GL_BLEND);
    state->vtkglDepthMask(depth ? GL_TRUE : GL_FALSE);
    quad_->Render();
    for (const Slot& s : slots_)
        if (s.texture) s.texture->Deactivate();
}

}  // namespace es::widgets
