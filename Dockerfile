# The gateway image for production-like runs (docker-compose.yml). The NLP model is built from the
# corpus in the repo at image build time, so nothing is downloaded when a replica starts.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY gateway gateway
COPY channels channels
COPY nlp nlp
COPY routing routing
RUN pip install --no-cache-dir . && python -m nlp train --quiet
ENV HOST=0.0.0.0 PORT=8080
EXPOSE 8080 2525
CMD ["python", "-m", "gateway", "serve"]
