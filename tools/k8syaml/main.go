// k8syaml reads a manifest stream exactly as kubectl and Helm read one, and prints what
// Kubernetes sees in it: per document, the JSON value or the error. It is the reference
// ("oracle") that eksfit's own YAML reader is held to in the tests (test/helpers/k8syaml.ts).
//
// How kubectl reads a stream (k8s.io/cli-runtime/pkg/resource, StreamVisitor.Visit, used by
// `kubectl apply/create -f`): yaml.NewYAMLOrJSONDecoder(reader, 4096) from
// k8s.io/apimachinery/pkg/util/yaml; Decode(&runtime.RawExtension{}) per document until
// io.EOF; bytes.TrimSpace on the result; an empty document or `null` is skipped; the first
// error ends the stream ("error parsing <source>: ..."). Inside the decoder: a stream whose
// first 4096 bytes start (after white space) with `{` is tried as a JSON stream first;
// otherwise YAMLReader splits documents at lines starting with `---` (only white space or a
// comment may follow), and each document goes through sigs.k8s.io/yaml.Unmarshal: YAML 1.1
// (go.yaml.in/yaml/v2) to a value, then to JSON. The RawExtension target is a
// json.Unmarshaler, so this is the same conversion as sigs.k8s.io/yaml.YAMLToJSON. The
// object is then decoded from that JSON (unstructured: k8s.io/apimachinery/pkg/util/json,
// integers kept as int64; a duplicated JSON key: the last one counts).
//
// Helm (3 and 4) first splits the post-renderer's output with its own regular expression
// (releaseutil.SplitManifests) and reads each part's head with sigs.k8s.io/yaml.Unmarshal to
// sort by kind, then hands the manifests to the same resource builder (kube.Client.Build ->
// Builder.Stream -> StreamVisitor). The objects Helm sends are therefore the ones read here.
//
// The code below calls those very functions; nothing is re-implemented.
//
// Usage:
//
//	k8syaml [FILE|-]   read one stream; print one JSON line per document:
//	                   {"json": VALUE} | {"json": null} (a document kubectl skips: empty or null)
//	                   | {"error": "MESSAGE"} (the last line; exit 1)
//	k8syaml --batch    JSON lines in: {"id": ANY, "text": "STREAM"} (or "base64": "..." for
//	                   bytes that are not UTF-8); JSON lines out, one per input line, in order:
//	                   {"id": ANY, "docs": [{"json": VALUE} | {"json": null} | {"error": "MESSAGE"}]}
package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/runtime"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/yaml"
)

// doc is what one document of a stream is to Kubernetes.
type doc struct {
	JSON  json.RawMessage `json:"json,omitempty"`
	Error string          `json:"error,omitempty"`
}

func (d doc) MarshalJSON() ([]byte, error) {
	if d.Error != "" {
		return json.Marshal(struct {
			Error string `json:"error"`
		}{d.Error})
	}
	if d.JSON == nil {
		return []byte(`{"json":null}`), nil
	}
	return json.Marshal(struct {
		JSON json.RawMessage `json:"json"`
	}{d.JSON})
}

// read reads a stream as kubectl's StreamVisitor does; it stops at the first error.
func read(stream []byte) (docs []doc) {
	defer func() {
		if r := recover(); r != nil {
			docs = append(docs, doc{Error: fmt.Sprintf("panic: %v", r)})
		}
	}()
	d := yaml.NewYAMLOrJSONDecoder(bytes.NewReader(stream), 4096)
	for {
		ext := runtime.RawExtension{}
		if err := d.Decode(&ext); err != nil {
			if err == io.EOF { // exactly kubectl's test
				return docs
			}
			return append(docs, doc{Error: err.Error()})
		}
		ext.Raw = bytes.TrimSpace(ext.Raw)
		if len(ext.Raw) == 0 || bytes.Equal(ext.Raw, []byte("null")) {
			docs = append(docs, doc{})
			continue
		}
		// The value the object is built from (unstructured decoding), printed canonically.
		var value interface{}
		if err := utiljson.Unmarshal(ext.Raw, &value); err != nil {
			return append(docs, doc{Error: err.Error()})
		}
		out, err := json.Marshal(value)
		if err != nil {
			return append(docs, doc{Error: err.Error()})
		}
		docs = append(docs, doc{JSON: out})
	}
}

type request struct {
	ID     json.RawMessage `json:"id"`
	Text   *string         `json:"text"`
	Base64 *string         `json:"base64"`
}

type response struct {
	ID    json.RawMessage `json:"id"`
	Docs  []doc           `json:"docs"`
	Error string          `json:"error,omitempty"`
}

func batch(in io.Reader, out io.Writer) error {
	r := bufio.NewReaderSize(in, 1<<20)
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for {
		line, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			var req request
			resp := response{Docs: []doc{}}
			if jerr := json.Unmarshal(line, &req); jerr != nil {
				resp.Error = "bad request: " + jerr.Error()
			} else {
				resp.ID = req.ID
				switch {
				case req.Text != nil:
					resp.Docs = read([]byte(*req.Text))
				case req.Base64 != nil:
					b, berr := base64.StdEncoding.DecodeString(*req.Base64)
					if berr != nil {
						resp.Error = "bad request: base64: " + berr.Error()
					} else {
						resp.Docs = read(b)
					}
				default:
					resp.Error = `bad request: no "text" or "base64"`
				}
				if resp.Docs == nil {
					resp.Docs = []doc{}
				}
			}
			if eerr := enc.Encode(resp); eerr != nil {
				return eerr
			}
			if ferr := w.Flush(); ferr != nil {
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func main() {
	args := os.Args[1:]
	if len(args) == 1 && args[0] == "--batch" {
		if err := batch(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "k8syaml:", err)
			os.Exit(1)
		}
		return
	}
	if len(args) > 1 || (len(args) == 1 && len(args[0]) > 1 && args[0][0] == '-') {
		fmt.Fprintln(os.Stderr, "usage: k8syaml [FILE|-] | k8syaml --batch")
		os.Exit(2)
	}
	var stream []byte
	var err error
	if len(args) == 0 || args[0] == "-" {
		stream, err = io.ReadAll(os.Stdin)
	} else {
		stream, err = os.ReadFile(args[0])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "k8syaml:", err)
		os.Exit(1)
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	code := 0
	for _, d := range read(stream) {
		if d.Error != "" {
			code = 1
		}
		if err := enc.Encode(d); err != nil {
			fmt.Fprintln(os.Stderr, "k8syaml:", err)
			os.Exit(1)
		}
	}
	w.Flush()
	os.Exit(code)
}
