#pragma once

#include "sigv4.h"

#include <QString>

namespace gpudeck::aws {

// Where AWS credentials come from, in the order the AWS CLI uses: what the user stored in the
// keychain ("ACCESS_KEY_ID:SECRET[:SESSION_TOKEN]"), then AWS_ACCESS_KEY_ID /
// AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, then the profile AWS_PROFILE (else "default") of
// the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials).
[[nodiscard]] AwsCredentials parseStoredCredential(const QString& stored);
[[nodiscard]] AwsCredentials credentialsFromEnvironment();
[[nodiscard]] AwsCredentials credentialsFromProfile(const QString& file, const QString& profile);
[[nodiscard]] AwsCredentials resolveCredentials(const QString& stored);
// AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1.
[[nodiscard]] QString defaultRegion();

} // namespace gpudeck::aws
