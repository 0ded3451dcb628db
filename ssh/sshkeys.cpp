#include "sshkeys.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <libssh/libssh.h>

#include <memory>

namespace gpudeck::ssh {

namespace {

struct KeyDeleter {
    void operator()(ssh_key k) const { ssh_key_free(k); }
};
using KeyPtr = std::unique_ptr<std::remove_pointer_t<ssh_key>, KeyDeleter>;

} // namespace

Result<void> generateEd25519(const QString& privatePath, const QString& comment)
{
    const QFileInfo info(privatePath);
    if (!QDir().mkpath(info.absolutePath()))
        return makeError(ErrorCode::Io,
                         QStringLiteral("Could not create the folder %1 for SSH keys.")
                             .arg(info.absolutePath()));
    QFile::setPermissions(info.absolutePath(),
                          QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    ssh_key raw = nullptr;
    if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &raw) != SSH_OK)
        return makeError(ErrorCode::Internal, QStringLiteral("Could not create an SSH key."));
    KeyPtr key(raw);
    const QByteArray priv = QFile::encodeName(privatePath);
    QFile::remove(privatePath);
    if (ssh_pki_export_privkey_file(key.get(), nullptr, nullptr, nullptr, priv.constData()) !=
        SSH_OK)
        return makeError(ErrorCode::Io,
                         QStringLiteral("Could not write the SSH key %1.").arg(privatePath));
    Result<void> tight = tightenKeyPermissions(privatePath);
    if (!tight.ok())
        return tight;
    char* b64 = nullptr;
    if (ssh_pki_export_pubkey_base64(key.get(), &b64) != SSH_OK)
        return makeError(ErrorCode::Internal,
                         QStringLiteral("Could not export the SSH public key."));
    const QByteArray line = QByteArray("ssh-ed25519 ") + b64 + ' ' + comment.toUtf8() + '\n';
    ssh_string_free_char(b64);
    QFile pub(privatePath + QStringLiteral(".pub"));
    if (!pub.open(QIODevice::WriteOnly | QIODevice::Truncate) || pub.write(line) != line.size())
        return makeError(ErrorCode::Io, QStringLiteral("Could not write %1.").arg(pub.fileName()));
    return {};
}

Result<QString> publicKeyLine(const QString& privatePath)
{
    QFile pub(privatePath + QStringLiteral(".pub"));
    if (pub.open(QIODevice::ReadOnly)) {
        const QString line = QString::fromUtf8(pub.readAll()).trimmed();
        if (!line.isEmpty())
            return line;
    }
    // No .pub beside it: derive the public key from the private one.
    ssh_key raw = nullptr;
    if (ssh_pki_import_privkey_file(QFile::encodeName(privatePath).constData(), nullptr, nullptr,
                                    nullptr, &raw) != SSH_OK)
        return makeError(ErrorCode::Io,
                         QStringLiteral("Could not read the SSH key %1.").arg(privatePath));
    KeyPtr key(raw);
    char* b64 = nullptr;
    if (ssh_pki_export_pubkey_base64(key.get(), &b64) != SSH_OK)
        return makeError(ErrorCode::Internal,
                         QStringLiteral("Could not export the SSH public key."));
    const QString line = QString::fromLatin1(ssh_key_type_to_char(ssh_key_type(key.get()))) +
                         QLatin1Char(' ') + QString::fromLatin1(b64);
    ssh_string_free_char(b64);
    return line;
}

Result<void> tightenKeyPermissions(const QString& privatePath)
{
    if (!QFile::setPermissions(privatePath, QFile::ReadOwner | QFile::WriteOwner))
        return makeError(
            ErrorCode::Io,
            QStringLiteral("Could not restrict the permissions of %1 to 0600.").arg(privatePath));
    return {};
}

} // namespace gpudeck::ssh
