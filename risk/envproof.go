package risk

// The environment check: per challenge, a small generated script, served from the captcha
// origin as a file (GET /api/v1/challenge/proof.js?id=…; no eval, no inline code, so strict
// CSP still holds), that lays out elements in a closed shadow root, queries and measures
// them, and folds the results into one number. The widget loads it while the proof of work
// runs and sends the number as telemetry "proof". Layout needs a real rendering engine: a
// script engine with a DOM emulation (jsdom, happy-dom) reports zero widths.
//
// Nothing is stored: the program and its answer are derived from the challenge's binding id
// with a key derived from the master secret, so any server sharing the secret checks any
// answer. Only integer CSS pixels are used and no borders (browsers snap borders to device
// pixels), so zoom and display scaling do not change the answer, and no font-relative units
// (users may set a minimum font size). A wrong answer is still not proof of automation (an
// extension or a zoomed page could disturb the layout), so it steps up rather than denies.

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// EnvProof returns the environment-check script for a challenge's binding id (v2
// parameters.data.challengeId, or the v1 salt) and the answer a browser computes for it,
// both derived from key. Any id gets a script: the answer depends on the id, and only an
// answer for the solved challenge counts at redemption. The answer is a secret of the
// server; never send it to a client.
func EnvProof(key []byte, id string) (script []byte, answer string) {
	return envProgram(key, id, true)
}

// EnvProofAnswer returns only the answer of EnvProof (no script text is built).
func EnvProofAnswer(key []byte, id string) string {
	_, a := envProgram(key, id, false)
	return a
}

// EnvProofValid reports, in constant time, whether answer is the answer of the environment
// check for id under key. An empty id or answer is never valid.
func EnvProofValid(key []byte, id, answer string) bool {
	if id == "" || answer == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(EnvProofAnswer(key, id)), []byte(answer)) == 1
}

// envRand is a deterministic stream of small integers from HMAC-SHA-256(key, id‖counter).
type envRand struct {
	key, id []byte
	buf     []byte
	ctr     uint32
}

func (r *envRand) intn(n int) int {
	if len(r.buf) < 4 {
		m := hmac.New(sha256.New, r.key)
		m.Write(r.id)
		var c [4]byte
		binary.BigEndian.PutUint32(c[:], r.ctr)
		m.Write(c[:])
		r.ctr++
		r.buf = m.Sum(nil)
	}
	v := binary.BigEndian.Uint32(r.buf)
	r.buf = r.buf[4:]
	return int(v % uint32(n))
}

// between returns an integer in [lo, hi].
func (r *envRand) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// envOps is how many measurements one program makes.
const envOps = 8

// envProgram builds the script (when script is true) and its answer.
func envProgram(key []byte, id string, script bool) ([]byte, string) {
	r := &envRand{key: key, id: []byte(id)}
	var b strings.Builder
	if script {
		idJSON, _ := json.Marshal(id) // escapes <, >, & and U+2028/9
		b.WriteString("/* AstraCaph environment check: generated per challenge. */\n(function(){'use strict';\n")
		b.WriteString("var d=document,h=d.createElement('astracaph-proof'),R=h.attachShadow({mode:'closed'}),o=[];\n")
		b.WriteString("function S(e,p){for(var k in p)e.style.setProperty(k,String(p[k]));return e}\n")
		b.WriteString("function E(p,x){var e=d.createElement('div');S(e,{display:'block',margin:'0',padding:'0',border:'0',width:'auto',height:'0','box-sizing':'content-box','min-width':'0','max-width':'none','min-height':'0',float:'none',position:'static','font-size':'10px'});if(x)S(e,x);p.appendChild(e);return e}\n")
		b.WriteString("S(h,{display:'block',position:'absolute',left:'-10000px',top:'0',width:'1000px',visibility:'hidden'});\n")
		b.WriteString("(d.body||d.documentElement).appendChild(h);var W=E(R,{width:'960px'}),p,c,i;\n")
		ans := envOpsRun(r, &b, script)
		b.WriteString("h.remove();var a=" + strconv.Itoa(ans.salt) + ";for(i=0;i<o.length;i++)a=(a*31+o[i])%2147483647;\n")
		b.WriteString("d.dispatchEvent(new CustomEvent('astracaph:proof',{detail:{id:" + string(idJSON) + ",v:String(a)}}));\n})();\n")
		return []byte(b.String()), ans.answer()
	}
	return nil, envOpsRun(r, &b, false).answer()
}

type envResult struct {
	salt int
	vals []int
}

func (e envResult) answer() string {
	a := int64(e.salt)
	for _, v := range e.vals {
		a = (a*31 + int64(v)) % 2147483647
	}
	return strconv.FormatInt(a, 10)
}

// envOpsRun draws envOps measurements, writing their JavaScript when script is true, and
// returns the values a browser computes for them.
func envOpsRun(r *envRand, b *strings.Builder, script bool) envResult {
	res := envResult{salt: r.between(1, 1<<30)}
	w := func(format string, a ...any) {
		if script {
			fmt.Fprintf(b, format, a...)
			b.WriteByte('\n')
		}
	}
	push := func(v int) { res.vals = append(res.vals, v) }
	for range envOps {
		switch r.intn(9) {
		case 0: // content box: width + padding
			wd, pl, pr := r.between(10, 300), r.between(0, 40), r.between(0, 40)
			w("o.push(E(W,{width:'%dpx','padding-left':'%dpx','padding-right':'%dpx'}).offsetWidth);", wd, pl, pr)
			push(wd + pl + pr)
		case 1: // border box: padding inside the width
			wd, pl := r.between(60, 300), r.between(0, 50)
			w("o.push(E(W,{width:'%dpx','box-sizing':'border-box','padding-left':'%dpx'}).offsetWidth);", wd, pl)
			push(wd)
		case 2: // flex: free space shared by flex-grow
			n := r.between(2, 4)
			g := make([]int, n)
			sum := 0
			for i := range g {
				g[i] = r.between(1, 5)
				sum += g[i]
			}
			unit := r.between(8, 40)
			j := r.intn(n)
			w("p=E(W,{display:'flex',width:'%dpx'});", sum*unit)
			for i := range g {
				w("E(p,{'flex-grow':'%d','flex-shrink':'1','flex-basis':'0px'});", g[i])
			}
			w("o.push(p.children[%d].offsetWidth);", j)
			push(g[j] * unit)
		case 3: // grid: fr tracks
			n := r.between(2, 4)
			fr := make([]string, n)
			g := make([]int, n)
			sum := 0
			for i := range g {
				g[i] = r.between(1, 4)
				sum += g[i]
				fr[i] = strconv.Itoa(g[i]) + "fr"
			}
			unit := r.between(10, 50)
			j := r.intn(n)
			w("p=E(W,{display:'grid','grid-template-columns':'%s',width:'%dpx'});for(i=0;i<%d;i++)E(p);", strings.Join(fr, " "), sum*unit, n)
			w("o.push(p.children[%d].offsetWidth);", j)
			push(g[j] * unit)
		case 4: // percentages and calc() of the parent's width
			m, q, k := r.between(2, 8), r.between(5, 95), r.between(0, 30)
			w("p=E(W,{width:'%dpx'});o.push(E(p,{width:'%d%%'}).offsetWidth+E(p,{width:'calc(50%% + %dpx)'}).offsetWidth);", 100*m, q, k)
			push(m*q + 50*m + k)
		case 5: // CSS min() and max() (no font-relative units: users may set a minimum font size)
			x, y, z := r.between(10, 200), r.between(10, 200), r.between(10, 200)
			w("o.push(E(W,{width:'min(%dpx, %dpx)'}).offsetWidth*3+E(W,{width:'max(%dpx, %dpx)'}).offsetWidth);", x, y, y, z)
			push(min(x, y)*3 + max(y, z))
		case 6: // absolute position inside a positioned parent
			lft, top := r.between(0, 400), r.between(0, 200)
			w("p=E(W,{position:'relative',height:'10px'});c=E(p,{position:'absolute',left:'%dpx',top:'%dpx',width:'1px'});o.push(c.offsetLeft*7+c.offsetTop);", lft, top)
			push(lft*7 + top)
		case 7: // selectors: :nth-child(an+b) among siblings
			n, a, bb := r.between(5, 30), r.between(2, 5), r.between(1, 4)
			w("p=E(W);for(i=0;i<%d;i++)E(p);o.push(p.querySelectorAll(':scope>:nth-child(%dn+%d)').length);", n, a, bb)
			cnt := 0
			for i := 1; i <= n; i++ {
				if i >= bb && (i-bb)%a == 0 {
					cnt++
				}
			}
			push(cnt)
		default: // text nodes, normalize() and textContent
			n := r.between(2, 6)
			total := 0
			w("p=E(W);")
			for range n {
				l := r.between(1, 9)
				total += l
				w("p.appendChild(d.createTextNode('%s'));", strings.Repeat("x", l))
			}
			w("p.normalize();o.push(p.childNodes.length*1000+p.textContent.length);")
			push(1000 + total)
		}
	}
	return res
}
