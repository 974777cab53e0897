# sharpformer serve in a container: the API and the web page on port 8080, as a non-root user.
#
#   docker build -t sharpformer .
#   docker run --rm -p 8080:8080 -v "$PWD/runs/de-en:/models/de-en:ro" sharpformer
#   docker run --rm -p 8080:8080 -v "$PWD/runs:/models:ro" sharpformer --model /models/de-en --model chat=/models/chat
#
# Liveness: GET /health; readiness (models loaded): GET /ready. See docs/serving.md.

# --- build: restore (cached while the project files stay the same), then publish the CLI ---
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props ./
COPY src/Sharpformer/Sharpformer.csproj src/Sharpformer/
COPY src/Sharpformer.Server/Sharpformer.Server.csproj src/Sharpformer.Server/
COPY src/Sharpformer.Cli/Sharpformer.Cli.csproj src/Sharpformer.Cli/
COPY bench/Sharpformer.Benchmarks/Sharpformer.Benchmarks.csproj bench/Sharpformer.Benchmarks/
RUN dotnet restore src/Sharpformer.Cli/Sharpformer.Cli.csproj
COPY src/ src/
COPY bench/ bench/
RUN dotnet publish src/Sharpformer.Cli/Sharpformer.Cli.csproj -c Release --no-restore -o /app

# --- run: the ASP.NET Core runtime image, no SDK ---
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# The image's unprivileged user (APP_UID is set by the .NET base images).
USER $APP_UID
EXPOSE 8080
ENTRYPOINT ["dotnet", "Sharpformer.Cli.dll", "serve", "--urls", "http://0.0.0.0:8080"]
CMD ["--model", "/models/de-en"]
