#!/usr/bin/env python3
"""Writes resources/catalog/<provider>.json: the dated offline catalogs bundled with GPUDeck.

They fill the catalog table on the first start, before any live fetch and without tokens, and
whenever a provider cannot be reached. Every number is a public list price as the provider
published it around PRICED_AT (on-demand; RunPod's community price as the cheaper tier); the
table marks them as old, and a live refresh with an account replaces them. Availability is not
claimed: it is only known live. Plan ids are the providers' own, so a plan picked from the
bundled table launches as it is. The format is the catalog cache's (providers/core/catalogcache).

Run from the repository root after changing a price: python3 scripts/bundled-catalog.py
tests/unit/tst_bundledcatalog checks the files against each provider's billing rule and ids.
"""
import json
import os

PRICED_AT = "2025-06-01T00:00:00.000Z"


def note(provider):
    return (f"{provider} list price as published around June 2025, bundled with GPUDeck; "
            "whether a region has one free now is only known live: add an account and refresh.")


def billing(granularity, minimum_seconds=0, stopped_compute=False, stopped_storage=True,
            minimum_cents=0, monthly_cap=0.0):
    return {"granularity": granularity, "minimum_seconds": minimum_seconds,
            "stopped_bills_compute": stopped_compute, "stopped_bills_storage": stopped_storage,
            "storage_usd_per_gb_month": 0.0, "minimum_cents": minimum_cents,
            "monthly_cap_usd": monthly_cap}


def plan(provider, pid, name, gpu, count, vram, vcpus, ram, disk, price, regions, rule,
         spot=None):
    return {"provider": provider, "id": pid, "name": name, "gpu_model": gpu, "gpu_count": count,
            "vram_gb": vram, "vcpus": vcpus, "ram_gb": ram, "disk_gb": disk,
            "regions": regions, "regions_available": [], "price_hourly_usd": price,
            "price_per_gpu_hour_usd": round(price / count, 4), "available": True,
            "fetched_at": PRICED_AT, "billing": rule, "price_note": "",
            "note": note(PROVIDER_NAMES[provider]), "spot_hourly_usd": spot}


PROVIDER_NAMES = {"lambda": "Lambda", "runpod": "RunPod", "linode": "Linode",
                  "digitalocean": "DigitalOcean"}


def lambda_catalog():
    regions = [("us-east-1", "Virginia, USA"), ("us-west-1", "California, USA"),
               ("us-south-1", "Texas, USA"), ("us-midwest-1", "Illinois, USA"),
               ("europe-central-1", "Germany"), ("asia-northeast-1", "Tokyo, Japan")]
    ids = [r[0] for r in regions]
    rule = billing("minute", stopped_storage=False)
    rows = [  # id, description, GPU, count, VRAM, vCPU, RAM GiB, disk GiB, $/h
        ("gpu_1x_a10", "1x A10 (24 GB PCIe)", "A10", 1, 24, 30, 200, 1400, 0.75),
        ("gpu_1x_a6000", "1x A6000 (48 GB)", "RTX A6000", 1, 48, 14, 100, 512, 0.80),
        ("gpu_1x_a100_sxm4", "1x A100 (40 GB SXM4)", "A100", 1, 40, 30, 200, 512, 1.29),
        ("gpu_1x_gh200", "1x GH200 (96 GB)", "GH200", 1, 96, 64, 432, 4096, 1.49),
        ("gpu_1x_h100_pcie", "1x H100 (80 GB PCIe)", "H100", 1, 80, 26, 200, 1024, 2.49),
        ("gpu_1x_h100_sxm5", "1x H100 (80 GB SXM5)", "H100", 1, 80, 26, 225, 2816, 3.29),
        ("gpu_8x_v100", "8x Tesla V100 (16 GB)", "Tesla V100", 8, 16, 92, 448, 6041, 4.40),
        ("gpu_8x_a100_80gb_sxm4", "8x A100 (80 GB SXM4)", "A100", 8, 80, 240, 1800, 20480,
         14.32),
        ("gpu_8x_h100_sxm5", "8x H100 (80 GB SXM5)", "H100", 8, 80, 208, 1800, 22528, 23.92),
    ]
    plans = [plan("lambda", r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], ids, rule)
             for r in rows]
    images = [{"id": "lambda-stack-22-04", "name": "Lambda Stack 22.04 (CUDA, PyTorch)",
               "cuda_ready": True}]
    return plans, regions, images


def runpod_catalog():
    regions = [("US-KS-2", "United States (Kansas)"), ("US-TX-3", "United States (Texas)"),
               ("US-GA-1", "United States (Georgia)"), ("CA-MTL-1", "Canada (Montreal)"),
               ("EU-RO-1", "Romania"), ("EU-SE-1", "Sweden")]
    ids = [r[0] for r in regions]
    rule = billing("second")
    gpus = [  # RunPod gpuTypeId, name, VRAM, secure $/GPU/h, community $/GPU/h or None
        ("NVIDIA GeForce RTX 3090", "RTX 3090", 24, 0.43, 0.22),
        ("NVIDIA GeForce RTX 4090", "RTX 4090", 24, 0.69, 0.34),
        ("NVIDIA RTX A6000", "RTX A6000", 48, 0.49, 0.33),
        ("NVIDIA L40S", "L40S", 48, 0.86, 0.79),
        ("NVIDIA A100 80GB PCIe", "A100 PCIe", 80, 1.64, 1.19),
        ("NVIDIA A100-SXM4-80GB", "A100 SXM", 80, 1.74, 1.39),
        ("NVIDIA H100 PCIe", "H100 PCIe", 80, 2.39, 1.99),
        ("NVIDIA H100 80GB HBM3", "H100 SXM", 80, 2.69, None),
    ]
    plans = []
    for gid, name, vram, secure, community in gpus:
        for count in (1, 2, 4, 8):
            spot = round(community * count, 2) if community else None
            plans.append(plan("runpod", f"{gid}|{count}", f"{count}x {name} ({vram} GB)", name,
                              count, vram, 0, 0, 0, round(secure * count, 2), ids, rule, spot))
    images = [{"id": "runpod/pytorch:1.0.2-cu1281-torch280-ubuntu2404",
               "name": "RunPod PyTorch 2.8 (CUDA 12.8, Ubuntu 24.04)", "cuda_ready": True}]
    return plans, regions, images


def linode_catalog():
    regions = [("us-east", "Newark, NJ"), ("us-ord", "Chicago, IL"), ("us-sea", "Seattle, WA"),
               ("fr-par", "Paris, FR"), ("eu-central", "Frankfurt, DE"),
               ("ap-west", "Mumbai, IN")]
    ids = [r[0] for r in regions]
    rows = [  # id, label, GPU, count, VRAM, vCPU, RAM GB, disk GB, $/h, $/month
        ("g2-gpu-rtx4000a1-s", "RTX4000 Ada x1 Small", "RTX 4000 Ada", 1, 20, 4, 16, 500, 0.52,
         350),
        ("g2-gpu-rtx4000a1-m", "RTX4000 Ada x1 Medium", "RTX 4000 Ada", 1, 20, 8, 32, 500, 0.67,
         446),
        ("g2-gpu-rtx4000a1-l", "RTX4000 Ada x1 Large", "RTX 4000 Ada", 1, 20, 16, 64, 500,
         0.96, 638),
        ("g1-gpu-rtx6000-1", "Dedicated 32GB + RTX6000 GPU x1", "Quadro RTX 6000", 1, 24, 8, 32,
         640, 1.50, 1000),
        ("g1-gpu-rtx6000-2", "Dedicated 64GB + RTX6000 GPU x2", "Quadro RTX 6000", 2, 24, 16,
         64, 1280, 3.00, 2000),
        ("g1-gpu-rtx6000-3", "Dedicated 96GB + RTX6000 GPU x3", "Quadro RTX 6000", 3, 24, 20,
         96, 1920, 4.50, 3000),
        ("g1-gpu-rtx6000-4", "Dedicated 128GB + RTX6000 GPU x4", "Quadro RTX 6000", 4, 24, 24,
         128, 2560, 6.00, 4000),
    ]
    plans = [plan("linode", r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], ids,
                  billing("hour", 3600, True, True, monthly_cap=float(r[9]))) for r in rows]
    images = [{"id": "linode/ubuntu22.04", "name": "Ubuntu 22.04 LTS", "cuda_ready": False},
              {"id": "linode/ubuntu24.04", "name": "Ubuntu 24.04 LTS", "cuda_ready": False},
              {"id": "linode/debian12", "name": "Debian 12", "cuda_ready": False}]
    return plans, regions, images


def digitalocean_catalog():
    regions = [("nyc2", "New York 2"), ("tor1", "Toronto 1"), ("atl1", "Atlanta 1"),
               ("ams3", "Amsterdam 3")]
    ids = [r[0] for r in regions]
    rows = [  # slug, description, GPU, count, VRAM, vCPU, RAM GiB, disk GB, $/h, $/month
        ("gpu-4000adax1-20gb", "RTX 4000 Ada GPU - 1X", "RTX 4000 Ada", 1, 20, 8, 32, 500, 0.76,
         554.80),
        ("gpu-6000adax1-48gb", "RTX 6000 Ada GPU - 1X", "RTX 6000 Ada", 1, 48, 8, 64, 500, 1.57,
         1146.10),
        ("gpu-l40sx1-48gb", "L40S GPU - 1X", "L40S", 1, 48, 8, 64, 500, 1.57, 1146.10),
        ("gpu-mi300x1-192gb", "MI300X GPU - 1X", "MI300X", 1, 192, 20, 240, 720, 1.99, 1452.70),
        ("gpu-h100x1-80gb", "H100 GPU - 1X", "H100", 1, 80, 20, 240, 720, 3.39, 2474.70),
        ("gpu-h100x8-640gb", "H100 GPU - 8X", "H100", 8, 80, 160, 1920, 2046, 23.92, 17461.60),
    ]
    plans = [plan("digitalocean", r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], ids,
                  billing("second", 60, True, True, minimum_cents=1, monthly_cap=r[9]))
             for r in rows]
    images = [{"id": "ai-ml-ready", "name": "AI/ML Ready (Ubuntu, CUDA or ROCm)",
               "cuda_ready": True},
              {"id": "ubuntu-24-04-x64", "name": "Ubuntu 24.04 LTS",
               "cuda_ready": False},
              {"id": "ubuntu-22-04-x64", "name": "Ubuntu 22.04 LTS",
               "cuda_ready": False}]
    return plans, regions, images


def main():
    out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources",
                           "catalog")
    os.makedirs(out_dir, exist_ok=True)
    for provider, make in (("lambda", lambda_catalog), ("runpod", runpod_catalog),
                           ("linode", linode_catalog), ("digitalocean", digitalocean_catalog)):
        plans, regions, images = make()
        doc = {"fetched_at": PRICED_AT, "plans": plans,
               "regions": [{"id": i, "name": n} for i, n in regions], "images": images}
        with open(os.path.join(out_dir, provider + ".json"), "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1, ensure_ascii=False)
            f.write("\n")


if __name__ == "__main__":
    main()
