#pragma once

#include "result.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace gpudeck {

// A parsed XML answer (AWS's Query APIs) as a small tree, read with QXmlStreamReader. Names are
// local names: namespaces differ between services and versions and never matter here.
struct XmlNode {
    QString name;
    QString text; // the element's own text, trimmed
    QList<XmlNode> children;

    // The first child with this name, or an empty node.
    [[nodiscard]] const XmlNode& child(const QString& name) const;
    // Text at a '/'-separated path of child names ("instanceState/name"); empty when missing.
    [[nodiscard]] QString at(const QString& path) const;
    // The <item> children of the child `listName` (AWS's way of writing lists).
    [[nodiscard]] QList<XmlNode> items(const QString& listName) const;
    // The first descendant (depth first, self included) with this name, or an empty node.
    [[nodiscard]] const XmlNode& find(const QString& name) const;
    [[nodiscard]] bool isEmpty() const { return name.isEmpty(); }

    static Result<XmlNode> parse(const QByteArray& xml);
};

} // namespace gpudeck
