// Package deploy_test checks the deployment manifests against the binaries they run: Docker and
// Kubernetes cannot run on the development machines, so the test makes sure every image command,
// environment variable, port and probe in deploy/ names something the binaries really have.
package deploy_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/accessflow/accessflow/gateway"
	"github.com/accessflow/accessflow/internal/suite"
	"github.com/accessflow/accessflow/pkg/service"
)

// binary is what the manifests may rely on about one of our binaries.
type binary struct {
	flags    *flag.FlagSet
	grpcPort int // the service's default gRPC port; 0 for the gateway and all-in-one
}

func binaries(t *testing.T) map[string]binary {
	t.Helper()
	out := map[string]binary{}
	for _, spec := range suite.Specs() {
		cfg := service.DefaultConfig()
		addr := defaultAddr(t, spec.Name)
		out[spec.Name] = binary{flags: service.StandaloneFlags(spec, &cfg, &addr), grpcPort: port(t, addr)}
	}
	cfg, gw := service.DefaultConfig(), gateway.DefaultConfig()
	out["gateway"] = binary{flags: gateway.StandaloneFlags(&cfg, &gw)}
	all := suite.DefaultConfig()
	fs := flag.NewFlagSet("accessflow", flag.ContinueOnError)
	all.Bind(fs)
	out["accessflow"] = binary{flags: fs}
	return out
}

func defaultAddr(t *testing.T, name string) string {
	t.Helper()
	addr, ok := suite.DefaultConfig().Addrs[name]
	require.True(t, ok, "default address of %s", name)
	return addr
}

func port(t *testing.T, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	require.NoError(t, err, addr)
	n, err := strconv.Atoi(p)
	require.NoError(t, err, addr)
	return n
}

// flagOf maps ACCESSFLOW_POLICY_TARGET to policy-target, as ff does the other way round.
func flagOf(env string) (string, bool) {
	rest, ok := strings.CutPrefix(env, service.EnvPrefix+"_")
	return strings.ReplaceAll(strings.ToLower(rest), "_", "-"), ok
}

// checkEnv requires every ACCESSFLOW_* variable to be a flag of bin, and the others to be
// OpenTelemetry's.
func checkEnv(t *testing.T, where string, bin binary, env map[string]string) {
	t.Helper()
	for name := range env {
		if f, ok := flagOf(name); ok {
			require.NotNil(t, bin.flags.Lookup(f), "%s: %s is not a flag (--%s) of the binary", where, name, f)
			continue
		}
		require.True(t, strings.HasPrefix(name, "OTEL_"), "%s: unexpected variable %s", where, name)
	}
}

type k8sDoc struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Data map[string]string `yaml:"data"`
	Spec struct {
		// A Service's selector is a label map; a Deployment's or PDB's has matchLabels.
		Selector  map[string]any `yaml:"selector"`
		ClusterIP string         `yaml:"clusterIP"`
		Ports     []struct {
			Name       string `yaml:"name"`
			Port       int    `yaml:"port"`
			TargetPort string `yaml:"targetPort"`
		} `yaml:"ports"`
		ScaleTargetRef struct {
			Kind string `yaml:"kind"`
			Name string `yaml:"name"`
		} `yaml:"scaleTargetRef"`
		Template struct {
			Spec struct {
				Containers []container `yaml:"containers"`
				Volumes    []struct {
					Name   string `yaml:"name"`
					Secret *struct {
						SecretName string `yaml:"secretName"`
					} `yaml:"secret"`
				} `yaml:"volumes"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type container struct {
	Image   string   `yaml:"image"`
	Command []string `yaml:"command"`
	EnvFrom []struct {
		ConfigMapRef struct {
			Name string `yaml:"name"`
		} `yaml:"configMapRef"`
	} `yaml:"envFrom"`
	Env []struct {
		Name      string  `yaml:"name"`
		Value     *string `yaml:"value"`
		ValueFrom *struct {
			SecretKeyRef struct {
				Name string `yaml:"name"`
				Key  string `yaml:"key"`
			} `yaml:"secretKeyRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	ReadinessProbe probe `yaml:"readinessProbe"`
	LivenessProbe  probe `yaml:"livenessProbe"`
}

type probe struct {
	GRPC *struct {
		Port int `yaml:"port"`
	} `yaml:"grpc"`
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port string `yaml:"port"`
	} `yaml:"httpGet"`
}

// documentedSecrets are the Secrets deploy/README.md tells operators to create, with their keys.
var documentedSecrets = map[string][]string{
	"accessflow-secrets":  {"database-url", "secret-keys"},
	"accessflow-jwt-keys": {"jwt-keys.json"},
}

func readDocs(t *testing.T, path string) []k8sDoc {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var docs []k8sDoc
	for {
		var d k8sDoc
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			return docs
		}
		require.NoError(t, err, path)
		docs = append(docs, d)
	}
}

func TestKubernetesManifests(t *testing.T) {
	bins := binaries(t)
	dir := "k8s/base"
	var kust struct {
		Resources []string `yaml:"resources"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(b, &kust))
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	require.NoError(t, err)
	var listed []string
	for _, f := range files {
		if filepath.Base(f) != "kustomization.yaml" {
			listed = append(listed, filepath.Base(f))
		}
	}
	require.ElementsMatch(t, listed, kust.Resources, "kustomization lists every manifest")

	byKind := map[string]map[string]k8sDoc{}
	for _, f := range kust.Resources {
		for _, d := range readDocs(t, filepath.Join(dir, f)) {
			if byKind[d.Kind] == nil {
				byKind[d.Kind] = map[string]k8sDoc{}
			}
			byKind[d.Kind][d.Metadata.Name] = d
		}
	}
	configs := byKind["ConfigMap"]
	deployments := byKind["Deployment"]
	require.Len(t, deployments, 5, "the four services and the gateway")

	for name, d := range deployments {
		t.Run(name, func(t *testing.T) {
			bin, ok := bins[name]
			require.True(t, ok, "deployment %s runs no known binary", name)
			require.Len(t, d.Spec.Template.Spec.Containers, 1)
			c := d.Spec.Template.Spec.Containers[0]
			require.Equal(t, []string{"/usr/local/bin/" + name}, c.Command, "the image's binary")
			require.True(t, strings.HasPrefix(c.Image, "accessflow:"), c.Image)

			env := map[string]string{}
			for _, from := range c.EnvFrom {
				cm, ok := configs[from.ConfigMapRef.Name]
				require.True(t, ok, "configMap %s", from.ConfigMapRef.Name)
				for k, v := range cm.Data {
					env[k] = v
				}
			}
			for _, e := range c.Env {
				switch {
				case e.Value != nil:
					env[e.Name] = *e.Value
				case e.ValueFrom != nil:
					ref := e.ValueFrom.SecretKeyRef
					require.Contains(t, documentedSecrets[ref.Name], ref.Key, "%s: secret %s key %s is documented", e.Name, ref.Name, ref.Key)
					env[e.Name] = "from-secret"
				}
			}
			checkEnv(t, name, bin, env)
			for _, v := range d.Spec.Template.Spec.Volumes {
				if v.Secret != nil {
					require.Contains(t, documentedSecrets, v.Secret.SecretName)
				}
			}

			ports := map[string]int{}
			for _, p := range c.Ports {
				ports[p.Name] = p.ContainerPort
			}
			require.Equal(t, port(t, env["ACCESSFLOW_ADMIN_ADDR"]), ports["admin"], "admin port")
			if bin.grpcPort != 0 {
				listen := env["ACCESSFLOW_"+strings.ToUpper(strings.ReplaceAll(name, "-", "_"))+"_ADDR"]
				require.Equal(t, bin.grpcPort, port(t, listen), "listens on its default port")
				require.Equal(t, bin.grpcPort, ports["grpc"])
				for _, p := range []probe{c.ReadinessProbe, c.LivenessProbe} {
					require.NotNil(t, p.GRPC, "gRPC health probes")
					require.Equal(t, bin.grpcPort, p.GRPC.Port)
				}
			} else {
				require.Equal(t, port(t, env["ACCESSFLOW_GATEWAY_ADDR"]), ports["http"])
				require.Equal(t, "/readyz", c.ReadinessProbe.HTTPGet.Path)
				require.Equal(t, "/healthz", c.LivenessProbe.HTTPGet.Path)
				for _, p := range []probe{c.ReadinessProbe, c.LivenessProbe} {
					require.Contains(t, ports, p.HTTPGet.Port)
					require.Contains(t, gateway.PublicRoutes, "GET "+p.HTTPGet.Path, "probes use routes that take no token")
				}
			}

			svc, ok := byKind["Service"][name]
			require.True(t, ok, "a Service for %s", name)
			require.Equal(t, name, svc.Spec.Selector["app.kubernetes.io/name"])
			require.Equal(t, map[string]any{"app.kubernetes.io/name": name}, d.Spec.Selector["matchLabels"])
			for _, p := range svc.Spec.Ports {
				require.Equal(t, ports[p.TargetPort], p.Port, "service port %s", p.Name)
			}
			require.Contains(t, byKind["PodDisruptionBudget"], name)
			require.Equal(t, name, byKind["HorizontalPodAutoscaler"][name].Spec.ScaleTargetRef.Name)

			// Targets name Services and ports that exist; dns:/// targets (calls spread over every
			// pod) need headless Services.
			for _, target := range []string{service.Policy, service.TriggerIngest, service.Approval, service.ActionExecution} {
				addr, ok := strings.CutPrefix(env["ACCESSFLOW_"+strings.ToUpper(strings.ReplaceAll(target, "-", "_"))+"_TARGET"], "dns:///")
				if ok {
					require.Equal(t, "None", byKind["Service"][target].Spec.ClusterIP, "the %s Service is headless", target)
				}
				host, p, err := net.SplitHostPort(addr)
				require.NoError(t, err, target)
				require.Equal(t, target, host)
				require.Equal(t, strconv.Itoa(bins[target].grpcPort), p)
			}
		})
	}
}

func TestComposeFile(t *testing.T) {
	bins := binaries(t)
	b, err := os.ReadFile("compose/compose.yaml")
	require.NoError(t, err)
	var compose struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Command     []string          `yaml:"command"`
			Environment map[string]string `yaml:"environment"`
			Build       *struct {
				Dockerfile string `yaml:"dockerfile"`
			} `yaml:"build"`
		} `yaml:"services"`
	}
	require.NoError(t, yaml.Unmarshal(b, &compose))
	for _, name := range []string{"postgres", "otel-collector", "jaeger", "gateway", service.Policy, service.TriggerIngest, service.Approval, service.ActionExecution} {
		require.Contains(t, compose.Services, name)
	}
	for name, svc := range compose.Services {
		bin, ours := bins[name]
		if !ours {
			continue
		}
		t.Run(name, func(t *testing.T) {
			require.Equal(t, []string{"/usr/local/bin/" + name}, svc.Command)
			require.Equal(t, "deploy/Dockerfile", svc.Build.Dockerfile)
			checkEnv(t, name, bin, svc.Environment)
			if bin.grpcPort != 0 {
				listen := svc.Environment["ACCESSFLOW_"+strings.ToUpper(strings.ReplaceAll(name, "-", "_"))+"_ADDR"]
				require.Equal(t, bin.grpcPort, port(t, listen))
			}
			for _, target := range []string{service.Policy, service.TriggerIngest, service.Approval, service.ActionExecution} {
				want := fmt.Sprintf("%s:%d", target, bins[target].grpcPort)
				require.Equal(t, want, svc.Environment["ACCESSFLOW_"+strings.ToUpper(strings.ReplaceAll(target, "-", "_"))+"_TARGET"])
			}
			keys := svc.Environment["ACCESSFLOW_SECRET_KEYS"]
			require.Regexp(t, `^[a-z0-9]+=[0-9a-f]{64}$`, keys, "a well-formed example key ring")
		})
	}
}

func TestDockerfile(t *testing.T) {
	bins := binaries(t)
	b, err := os.ReadFile("Dockerfile")
	require.NoError(t, err)
	text := string(b)
	built := regexp.MustCompile(`\./(?:cmd|gateway/cmd|services/[a-z-]+/cmd)/([a-z-]+)`).FindAllStringSubmatch(text, -1)
	var names []string
	for _, m := range built {
		names = append(names, m[1])
	}
	slices.Sort(names)
	var want []string
	for name := range bins {
		want = append(want, name)
	}
	slices.Sort(want)
	require.Equal(t, want, names, "the image holds every binary")
	for name, bin := range bins {
		if bin.grpcPort != 0 {
			require.Contains(t, text, strconv.Itoa(bin.grpcPort), "EXPOSE the port of %s", name)
		}
	}
	for _, dir := range []string{"../cmd/accessflow", "../gateway/cmd/gateway"} {
		_, err := os.Stat(dir)
		require.NoError(t, err)
	}
}
