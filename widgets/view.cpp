#include "view.h"

namespace es::widgets {

void View::follow(SelectionModel* model) {
    if (model_) disconnect(model_, nullptr, this, nullptr);
    model_ = model;
    if (!model_) return;
    connect(model_, &SelectionModel::changed, this, [this](const Selection& s) {
        ++updates_;
        on_selection(s);
    });
    on_selection(model_->selection());
}

}  // namespace es::widgets
