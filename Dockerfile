FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY idp ./idp
COPY config ./config
COPY templates ./templates
COPY static ./static
RUN pip install --no-cache-dir -e . && mkdir -p keys instance
ENV IDP_SERVER_HOST=0.0.0.0
EXPOSE 5000
CMD ["sh", "-c", "idp init && idp serve"]
