#include "session.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

namespace es::app {

namespace {
constexpr int kFormatVersion = 1;

QJsonArray ints(const QList<int>& v) {
    QJsonArray a;
    for (int x : v) a.append(x);
    return a;
}

QList<int> ints(const QJsonValue& v) {
    QList<int> out;
    for (const auto& x : v.toArray()) out.append(x.toInt());
    return out;
}
}  // namespace

QJsonObject session_to_json(const SessionState& s) {
    QJsonObject sel{
        {"stream", s.selection.stream},       {"layer", s.selection.layer},
        {"tokens", ints(s.selection.tokens)}, {"heads", ints(s.selection.heads)},
        {"prompt", s.selection.prompt},       {"compare_document", s.selection.compare_document}};
    return QJsonObject{{"eigenscope_session", kFormatVersion},
                       {"documents", QJsonArray::fromStringList(s.documents)},
                       {"series_folder", s.series_folder},
                       {"primary_weights", s.primary_weights},
                       {"geometry", QString::fromLatin1(s.geometry.toBase64())},
                       {"window_state", QString::fromLatin1(s.window_state.toBase64())},
                       {"selection", sel},
                       {"views", s.views},
                       {"camera", s.camera},
                       {"presentation", s.presentation},
                       {"theme", s.theme}};
}

std::optional<SessionState> session_from_json(const QJsonObject& j, QString* error) {
    if (!j.contains("eigenscope_session")) {
        if (error)
            *error = QStringLiteral("not an Eigenscope session (no \"eigenscope_session\" key)");
        return std::nullopt;
    }
    if (j.value("eigenscope_session").toInt() > kFormatVersion) {
        if (error)
            *error = QStringLiteral("session written by a newer Eigenscope (format %1)")
                         .arg(j.value("eigenscope_session").toInt());
        return std::nullopt;
    }
    SessionState s;
    for (const auto& d : j.value("documents").toArray()) s.documents.append(d.toString());
    s.series_folder = j.value("series_folder").toString();
    s.primary_weights = j.value("primary_weights").toString();
    s.geometry = QByteArray::fromBase64(j.value("geometry").toString().toLatin1());
    s.window_state = QByteArray::fromBase64(j.value("window_state").toString().toLatin1());
    const QJsonObject sel = j.value("selection").toObject();
    s.selection.stream = sel.value("stream").toString();
    s.selection.layer = sel.value("layer").toInt();
    s.selection.tokens = ints(sel.value("tokens"));
    s.selection.heads = ints(sel.value("heads"));
    s.selection.prompt = sel.value("prompt").toInt();
    s.selection.compare_document = sel.value("compare_document").toInt(-1);
    s.views = j.value("views").toObject();
    s.camera = j.value("camera").toObject();
    s.presentation = j.value("presentation").toBool();
    s.theme = j.value("theme").toString();
    return s;
}

bool write_session(const QString& path, const SessionState& s, QString* error) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error) *error = QStringLiteral("%1: cannot write: %2").arg(path, file.errorString());
        return false;
    }
    const QByteArray bytes = QJsonDocument(session_to_json(s)).toJson(QJsonDocument::Indented);
    // QSaveFile::commit() does not notice a failed flush of its buffer (a full disk would leave
    // an empty session in place of the old one): flush and check the error first.
    if (file.write(bytes) != bytes.size() || !file.flush() ||
        file.error() != QFileDevice::NoError || !file.commit()) {
        if (error) *error = QStringLiteral("%1: cannot write: %2").arg(path, file.errorString());
        file.cancelWriting();
        return false;
    }
    return true;
}

std::optional<SessionState> read_session(const QString& path, QString* error) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error) *error = QStringLiteral("%1: cannot read: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &pe);
    if (doc.isNull() || !doc.isObject()) {
        if (error)
            *error = QStringLiteral("%1: not a session file (%2)").arg(path, pe.errorString());
        return std::nullopt;
    }
    QString why;
    auto s = session_from_json(doc.object(), &why);
    if (!s && error) *error = path + QStringLiteral(": ") + why;
    return s;
}

}  // namespace es::app
