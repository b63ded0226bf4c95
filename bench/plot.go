package main

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// plotLatency draws event → subscriber latency percentiles against the offered rate, with the
// no-op handler's answer latency for reference, on a log scale.
func plotLatency(path string, res *backendResult) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("event → subscriber latency (%s, 4 subscribers, open loop)", res.name)
	p.X.Label.Text = "offered events/s"
	p.Y.Label.Text = "latency from intended send, ms (log)"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Legend.Top, p.Legend.Left = true, true
	colors := map[float64]color.Color{50: color.RGBA{B: 200, A: 255}, 95: color.RGBA{R: 220, G: 140, A: 255}, 99: color.RGBA{R: 200, A: 255}}
	for _, q := range []float64{50, 95, 99} {
		ours, noop := make(plotter.XYs, 0, len(res.rates)), make(plotter.XYs, 0, len(res.rates))
		for _, r := range res.rates {
			ours = append(ours, plotter.XY{X: float64(r.rate), Y: max(float64(r.e2e.p(q).Microseconds())/1000, 0.01)})
			noop = append(noop, plotter.XY{X: float64(r.rate), Y: max(float64(r.noop.answer.p(q).Microseconds())/1000, 0.01)})
		}
		for _, s := range []struct {
			name   string
			xy     plotter.XYs
			dashed bool
		}{{fmt.Sprintf("accessflow p%.0f", q), ours, false}, {fmt.Sprintf("no-op answer p%.0f", q), noop, true}} {
			line, points, err := plotter.NewLinePoints(s.xy)
			if err != nil {
				return err
			}
			line.Color, points.Color = colors[q], colors[q]
			if s.dashed {
				line.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			}
			p.Add(line, points)
			p.Legend.Add(s.name, line, points)
		}
	}
	return p.Save(8*vg.Inch, 5*vg.Inch, path)
}
