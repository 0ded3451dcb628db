#include "xmltree.h"

#include <QXmlStreamReader>

namespace gpudeck {

namespace {

const XmlNode& emptyNode()
{
    static const XmlNode empty;
    return empty;
}

} // namespace

const XmlNode& XmlNode::child(const QString& n) const
{
    for (const XmlNode& c : children)
        if (c.name == n)
            return c;
    return emptyNode();
}

QString XmlNode::at(const QString& path) const
{
    const XmlNode* node = this;
    for (const QString& part : path.split(QLatin1Char('/'))) {
        node = &node->child(part);
        if (node->isEmpty())
            return {};
    }
    return node->text;
}

QList<XmlNode> XmlNode::items(const QString& listName) const
{
    QList<XmlNode> out;
    for (const XmlNode& c : child(listName).children)
        if (c.name == QLatin1String("item"))
            out.append(c);
    return out;
}

const XmlNode& XmlNode::find(const QString& n) const
{
    if (name == n)
        return *this;
    for (const XmlNode& c : children) {
        const XmlNode& f = c.find(n);
        if (!f.isEmpty())
            return f;
    }
    return emptyNode();
}

Result<XmlNode> XmlNode::parse(const QByteArray& xml)
{
    QXmlStreamReader reader(xml);
    QList<XmlNode> stack;
    XmlNode root;
    bool haveRoot = false;
    // Deep nesting is a hostile document, not an EC2 answer.
    constexpr qsizetype maxDepth = 64;
    while (!reader.atEnd()) {
        switch (reader.readNext()) {
        case QXmlStreamReader::StartElement:
            if (stack.size() >= maxDepth)
                return makeError(ErrorCode::ProviderFailure,
                                 QStringLiteral("The answer was not XML GPUDeck can read."),
                                 QStringLiteral("XML nested deeper than %1").arg(maxDepth));
            stack.append(XmlNode{reader.name().toString(), {}, {}});
            break;
        case QXmlStreamReader::Characters:
            if (!stack.isEmpty())
                stack.last().text += reader.text();
            break;
        case QXmlStreamReader::EndElement: {
            XmlNode done = stack.takeLast();
            done.text = done.text.trimmed();
            if (stack.isEmpty()) {
                root = std::move(done);
                haveRoot = true;
            } else {
                stack.last().children.append(std::move(done));
            }
            break;
        }
        default:
            break;
        }
    }
    if (reader.hasError() || !haveRoot)
        return makeError(
            ErrorCode::ProviderFailure, QStringLiteral("The answer was not XML GPUDeck can read."),
            reader.hasError() ? reader.errorString() : QStringLiteral("no root element"));
    return root;
}

} // namespace gpudeck
