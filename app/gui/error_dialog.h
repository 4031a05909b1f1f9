#pragma once
// The app's error dialog, in two parts: the sentence for a person in the dialog's text (what is
// wrong, with which file and dataset, what to do), and the library's detail (HDF5's error stack)
// behind its "Show Details..." button, never in the text.
#include <QString>

class QMessageBox;
class QWidget;

namespace es::app {

// Opens it window-modal and non-blocking (the event loop, and any test driving it, keeps
// running); it deletes itself when closed. objectName "errorDialog". No detail: no button.
QMessageBox* show_error_dialog(QWidget* parent, const QString& title, const QString& message,
                               const QString& detail = {});

}  // namespace es::app
