#include "navigation_bar.h"

#include <QComboBox>
#include <QLabel>
#include <QSignalBlocker>
#include <QSlider>
#include <algorithm>

namespace es::app {

QComboBox* NavigationBar::add_picker(const QString& label, const QString& name) {
    addWidget(new QLabel(label, this));
    auto* box = new QComboBox(this);
    box->setObjectName(name);
    addWidget(box);
    return box;
}

NavigationBar::NavigationBar(widgets::SelectionModel* model, QWidget* parent)
    : QToolBar(tr("Navigation"), parent), model_(model) {
    setObjectName(QStringLiteral("navigationBar"));
    stream_ = add_picker(tr(" Stream "), QStringLiteral("streamPicker"));
    stream_->setMinimumContentsLength(10);

    addWidget(new QLabel(tr("  Layer "), this));
    slider_ = new QSlider(Qt::Horizontal, this);
    slider_->setObjectName(QStringLiteral("layerSlider"));
    slider_->setMinimumWidth(220);
    slider_->setPageStep(1);  // PageUp/PageDown step one layer, like the arrows
    slider_->setTickPosition(QSlider::TicksBelow);
    slider_->setFocusPolicy(Qt::StrongFocus);
    addWidget(slider_);
    layer_label_ = new QLabel(this);
    layer_label_->setObjectName(QStringLiteral("layerLabel"));
    layer_label_->setMinimumWidth(160);
    addWidget(layer_label_);

    play_ = addAction(tr("Play"));
    play_->setObjectName(QStringLiteral("playAction"));
    play_->setCheckable(true);
    play_->setToolTip(tr("Animate across layers (Space)"));
    speed_ = new QComboBox(this);
    speed_->setObjectName(QStringLiteral("speedPicker"));
    for (double s : {0.5, 1.0, 2.0, 4.0, 8.0}) speed_->addItem(tr("%1 layers/s").arg(s), s);
    speed_->setCurrentIndex(2);
    addWidget(speed_);

    addSeparator();
    prompt_ = add_picker(tr(" Prompt "), QStringLiteral("promptPicker"));
    prompt_->setMaximumWidth(220);
    token_ = add_picker(tr(" Token "), QStringLiteral("tokenPicker"));
    token_->setMinimumContentsLength(12);
    head_ = add_picker(tr(" Head "), QStringLiteral("headPicker"));
    addSeparator();
    compare_ = add_picker(tr(" Compare "), QStringLiteral("comparePicker"));

    connect(slider_, &QSlider::valueChanged, this, [this](int v) {
        if (!syncing_) model_->set_layer(v);
    });
    connect(stream_, &QComboBox::currentIndexChanged, this, [this](int) {
        if (!syncing_) model_->set_stream(stream_->currentData().toString());
    });
    connect(prompt_, &QComboBox::currentIndexChanged, this, [this](int i) {
        if (syncing_ || i < 0) return;
        model_->set_prompt(i);
    });
    connect(token_, &QComboBox::activated, this, [this](int i) {
        if (i >= 0) model_->select_token(token_->itemData(i).toInt());
    });
    connect(head_, &QComboBox::activated, this, [this](int i) {
        if (i < 0) return;
        const int flat = head_->itemData(i).toInt();
        widgets::Selection s = model_->selection();
        s.heads = {flat};
        // A head belongs to a block: the slider goes to that block's output (state l+1), so the
        // layer and the head shown always agree.
        const int heads = dump_ ? static_cast<int>(dump_->dims().n_heads.value_or(0)) : 0;
        if (heads > 0) s.layer = std::min(flat / heads + 1, std::max(0, model_->layer_count() - 1));
        model_->set_selection(s);
    });
    connect(compare_, &QComboBox::activated, this,
            [this](int i) { model_->set_compare_document(compare_->itemData(i).toInt()); });
    connect(play_, &QAction::toggled, this, &NavigationBar::set_playing);
    connect(speed_, &QComboBox::currentIndexChanged, this, [this] { set_speed(speed()); });
    connect(&timer_, &QTimer::timeout, this, [this] {
        // Loops: a lecturer leaves it running while talking.
        const auto& s = model_->selection();
        model_->set_layer(s.layer + 1 >= model_->layer_count() ? 0 : s.layer + 1);
    });
    connect(model_, &widgets::SelectionModel::changed, this, &NavigationBar::sync_from_model);
    set_dump(nullptr, {});
}

double NavigationBar::speed() const {
    return speed_->currentData().toDouble();
}

void NavigationBar::set_speed(double layers_per_second) {
    int best = 0;
    for (int i = 0; i < speed_->count(); ++i)
        if (std::abs(speed_->itemData(i).toDouble() - layers_per_second) <
            std::abs(speed_->itemData(best).toDouble() - layers_per_second))
            best = i;
    if (speed_->currentIndex() != best) speed_->setCurrentIndex(best);
    timer_.setInterval(static_cast<int>(1000.0 / speed()));
}

void NavigationBar::set_playing(bool on) {
    if (play_->isChecked() != on) play_->setChecked(on);  // re-enters through toggled
    play_->setText(on ? tr("Pause") : tr("Play"));
    if (on && !timer_.isActive()) {
        timer_.setInterval(static_cast<int>(1000.0 / speed()));
        timer_.start();
    } else if (!on) {
        timer_.stop();
    }
}

void NavigationBar::set_dump(const Dump* dump, const QStringList& compare_names) {
    const bool new_file = dump && dump != dump_;
    dump_ = dump;
    syncing_ = true;
    stream_->clear();
    prompt_->clear();
    head_->clear();
    token_->clear();  // refilled for this dump's prompt by sync_from_model, never kept from another
    compare_->clear();
    compare_->addItem(tr("none"), -1);
    for (int i = 0; i < compare_names.size(); ++i) compare_->addItem(compare_names[i], i + 1);
    if (dump) {
        for (const StreamInfo& s : dump->streams())
            stream_->addItem(
                QStringLiteral("%1 (%2)").arg(QString::fromStdString(s.name)).arg(s.n_states()),
                QString::fromStdString(s.name));
        for (std::size_t b = 0; b < dump->n_prompts(); ++b) {
            QString text = b < dump->prompt_texts().size()
                               ? QString::fromStdString(dump->prompt_texts()[b])
                               : QString();
            prompt_->addItem(text.isEmpty() ? tr("prompt %1").arg(b)
                                            : QStringLiteral("%1: %2").arg(b).arg(text.left(40)));
        }
        const std::size_t L = dump->dims().n_layers.value_or(0),
                          H = dump->dims().n_heads.value_or(0);
        for (std::size_t l = 0; l < L; ++l)
            for (std::size_t h = 0; h < H; ++h)
                head_->addItem(QStringLiteral("L%1H%2").arg(l).arg(h), static_cast<int>(l * H + h));
    }
    for (QWidget* w :
         std::initializer_list<QWidget*>{stream_, slider_, prompt_, token_, head_, compare_})
        w->setEnabled(dump != nullptr);
    play_->setEnabled(dump != nullptr);
    syncing_ = false;
    // A new file: the slider takes the focus (now that it is enabled), so arrows step layers at
    // once and Ctrl+E reaches its action (the Dataset filter, focused otherwise, takes it as
    // "end").
    if (new_file) slider_->setFocus();
    sync_from_model(model_->selection());
}

void NavigationBar::fill_tokens(int prompt) {
    token_->clear();
    if (!dump_) return;
    for (std::size_t i = 0; i < dump_->tokens().size(); ++i) {
        const TokenInfo& t = dump_->tokens()[i];
        if (static_cast<int>(t.prompt) != prompt) continue;
        token_->addItem(
            QStringLiteral("%1 %2").arg(t.position).arg(QString::fromStdString(t.label())),
            static_cast<int>(i));
    }
}

void NavigationBar::sync_from_model(const widgets::Selection& s) {
    syncing_ = true;
    // No file: no layers, whatever the selection kept from the file last open.
    const int layers = dump_ ? model_->layer_count() : 1;
    const int layer = dump_ ? s.layer : 0;
    slider_->setRange(0, std::max(0, layers - 1));
    slider_->setValue(layer);
    QString state;
    if (dump_) {
        const StreamInfo* info = dump_->find_stream(s.stream.toStdString());
        if (!info && !dump_->streams().empty()) info = &dump_->streams().front();
        if (info && s.layer < static_cast<int>(info->n_states()))
            state = QString::fromStdString(info->state_names[static_cast<std::size_t>(s.layer)]);
    }
    layer_label_->setText(tr(" %1 / %2  %3").arg(layer).arg(std::max(0, layers - 1)).arg(state));
    const int si = stream_->findData(s.stream);
    if (si >= 0) stream_->setCurrentIndex(si);
    if (prompt_->currentIndex() != s.prompt || token_->count() == 0) {
        if (s.prompt < prompt_->count()) prompt_->setCurrentIndex(s.prompt);
        fill_tokens(s.prompt);
    }
    if (!s.tokens.isEmpty()) {
        const int ti = token_->findData(s.tokens.last());
        if (ti >= 0) token_->setCurrentIndex(ti);
    }
    if (!s.heads.isEmpty()) {
        const int hi = head_->findData(s.heads.last());
        if (hi >= 0) head_->setCurrentIndex(hi);
    }
    const int ci = compare_->findData(s.compare_document);
    if (ci >= 0) compare_->setCurrentIndex(ci);
    syncing_ = false;
}

}  // namespace es::app
