#pragma once
// A session (.eigenscope, JSON): the open dumps, window layout, the shared selection, each
// view's settings and the 3D camera. Written atomically (QSaveFile): a crash mid-write leaves
// the previous file intact.
#include <QByteArray>
#include <QJsonObject>
#include <QStringList>
#include <optional>

#include "selection.h"

namespace es::app {

struct SessionState {
    QStringList documents;    // absolute paths; the first is the primary dump
    QString series_folder;    // an open checkpoint series, if any
    QString primary_weights;  // weights attached to the primary dump (Attach Weights), or ""
    QByteArray geometry, window_state;
    widgets::Selection selection;
    QJsonObject views;  // view_id -> settings
    QJsonObject camera;
    bool presentation = false;
    QString theme;
};

QJsonObject session_to_json(const SessionState& s);
// Throws nothing; returns nullopt and sets *error for a file that is not a session.
std::optional<SessionState> session_from_json(const QJsonObject& j, QString* error);

bool write_session(const QString& path, const SessionState& s, QString* error);
std::optional<SessionState> read_session(const QString& path, QString* error);

}  // namespace es::app
