# docparse image: CPU by default. For CUDA, build with a CUDA torch, e.g.
#   docker build --build-arg TORCH_SPEC="torch==2.14.1" --build-arg EXTRAS="model,api,postgres,s3" .
FROM python:3.11-slim

ARG TORCH_SPEC=torch==2.13.0
ARG EXTRAS=model,api,postgres,s3

RUN apt-get update \
 && apt-get install -y --no-install-recommends poppler-utils \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY docparse ./docparse
COPY schemas ./schemas
COPY storage ./storage
COPY workers ./workers
RUN pip install --no-cache-dir "${TORCH_SPEC}" \
 && pip install --no-cache-dir ".[${EXTRAS}]"

ENV DOCPARSE_DATA_DIR=/data HF_HOME=/models
VOLUME ["/data", "/models"]
ENTRYPOINT ["docparse"]
CMD ["--help"]
