// Every provider GPUDeck knows, one line each. A new provider is a folder beside sandbox/ and
// one line here.
#include "aws/ec2provider.h"
#include "colab/colabprovider.h"
#include "digitalocean/digitaloceanprovider.h"
#include "gce/gceprovider.h"
#include "lambda/lambdaprovider.h"
#include "linode/linodeprovider.h"
#include "registry.h"
#include "runpod/runpodprovider.h"
#include "sandbox/sandboxprovider.h"
#include "sshhost/sshhostprovider.h"
#include "vast/vastprovider.h"

namespace gpudeck {

const ProviderRegistry& ProviderRegistry::builtin()
{
    static const ProviderRegistry registry = [] {
        ProviderRegistry r;
        r.add<SandboxProvider>(QStringLiteral("sandbox"), QStringLiteral("Sandbox"));
        r.add<SshHostProvider>(QStringLiteral("ssh"), QStringLiteral("SSH hosts"));
        r.add<LinodeProvider>(QStringLiteral("linode"), QStringLiteral("Linode"));
        r.add<DigitalOceanProvider>(QStringLiteral("digitalocean"), QStringLiteral("DigitalOcean"));
        r.add<LambdaProvider>(QStringLiteral("lambda"), QStringLiteral("Lambda"));
        r.add<RunPodProvider>(QStringLiteral("runpod"), QStringLiteral("RunPod"));
        r.add<VastProvider>(QStringLiteral("vast"), QStringLiteral("Vast.ai"));
        r.add<Ec2Provider>(QStringLiteral("aws"), QStringLiteral("AWS EC2"));
        r.add<GceProvider>(QStringLiteral("gce"), QStringLiteral("Google Compute Engine"));
        r.add<ColabProvider>(QStringLiteral("colab"), QStringLiteral("Google Colab"));
        return r;
    }();
    return registry;
}

} // namespace gpudeck
