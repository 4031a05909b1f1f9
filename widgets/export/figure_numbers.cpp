// The numbers behind each figure, as the view gives them (View::numbers): its last result through
// the same to_json/to_csv the CLI verbs print, so an exported CSV or JSON equals
// `eigenscope-cli VERB --json` by construction.
#include <QJsonArray>
#include <QJsonDocument>
#include <sstream>

#include "export/figure_export.h"
#include "view.h"

namespace es::widgets {

bool figure_ready(const View* view, const QString& figure) {
    return view && view->incomplete().isEmpty() && view->numbers(figure).has_value();
}

bool figure_numbers(const View* view, const QString& figure, QJsonObject* json, QString* csv,
                    QString* error) {
    if (view && !view->incomplete().isEmpty()) {
        if (error)
            *error = QStringLiteral(
                         "the %1 view shows a partial result (%2 computed so far); "
                         "its numbers are exported once complete")
                         .arg(figure, view->incomplete());
        return false;
    }
    const auto n = view ? view->numbers(figure) : std::nullopt;
    if (!n) {
        if (error) *error = QStringLiteral("the %1 view has nothing to export yet").arg(figure);
        return false;
    }
    if (json) {
        // Through text: nlohmann prints doubles round-trip exact and Qt parses them back exactly.
        const QByteArray text = QByteArray::fromStdString(n->json.dump());
        const QJsonDocument doc = QJsonDocument::fromJson(text);
        *json = doc.isObject() ? doc.object() : QJsonObject{{"values", doc.array()}};
    }
    if (csv) *csv = QString::fromStdString(n->csv);
    return true;
}

}  // namespace es::widgets
