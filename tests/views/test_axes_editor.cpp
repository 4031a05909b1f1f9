// The 3D view's axes row (widgets/axes_editor): "from selection" and "direction" add axes at the
// current layer, a direction's commas do not split it, at most three axes (the oldest makes way),
// and the "direction" button is enabled only with a direction offered.
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>

#include "axes_editor.h"

using es::widgets::AxesEditor;

class TestAxesEditor : public QObject {
    Q_OBJECT
private slots:
    void directionButtonAddsTheDirectionAtTheLayer() {
        AxesEditor editor;
        auto* direction = editor.findChild<QPushButton*>(QStringLiteral("axesFromDirection"));
        auto* selection = editor.findChild<QPushButton*>(QStringLiteral("axesFromSelection"));
        QVERIFY(direction && selection);
        QVERIFY(!direction->isEnabled());
        QSignalSpy edited(&editor, &AxesEditor::edited);
        editor.set_selection({4, 9}, 3);
        editor.set_direction(QStringLiteral("pairs(king:queen,man:woman)"));
        QVERIFY(direction->isEnabled());
        direction->click();
        QCOMPARE(editor.text(), QStringLiteral("pairs(king:queen,man:woman)@3"));
        QCOMPARE(edited.count(), 1);
        QCOMPARE(edited.last().at(0).toString(), editor.text());
        direction->click();  // the same axis again: nothing changes
        QCOMPARE(edited.count(), 1);
        selection->click();
        QCOMPARE(editor.text(), QStringLiteral("pairs(king:queen,man:woman)@3, 4-9@3"));
        editor.set_selection({4, 9}, 1);
        direction->click();
        editor.set_selection({5, 6}, 1);
        selection->click();  // a fourth axis: the oldest (the layer-3 direction) makes way
        QCOMPARE(editor.text(), QStringLiteral("4-9@3, pairs(king:queen,man:woman)@1, 5-6@1"));
        editor.set_direction(QString());
        QVERIFY(!direction->isEnabled());
    }
};

QTEST_MAIN(TestAxesEditor)
#include "test_axes_editor.moc"
