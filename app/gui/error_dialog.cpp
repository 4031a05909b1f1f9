#include "error_dialog.h"

#include <QMessageBox>

namespace es::app {

QMessageBox* show_error_dialog(QWidget* parent, const QString& title, const QString& message,
                               const QString& detail) {
    auto* box = new QMessageBox(QMessageBox::Critical, title, message, QMessageBox::Ok, parent);
    box->setObjectName(QStringLiteral("errorDialog"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    if (!detail.isEmpty()) box->setDetailedText(detail);
    box->open();
    return box;
}

}  // namespace es::app
