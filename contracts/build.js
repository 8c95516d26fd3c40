#!/usr/bin/env node
// Compiles src/*.sol with the pinned solcjs and writes build/<Contract>.json (ABI, bytecode,
// compiler settings, the source's SHA-256). The artifacts are committed so that Python needs no
// node; tests compare the recorded SHA-256 with the sources to catch a stale build.
//
//   cd contracts && npm ci && node build.js          # writes build/
//   node build.js --check                            # exits 1 if build/ differs
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const SOLC_VERSION = '0.8.28';
const EVM_VERSION = 'cancun';
const OPTIMIZER = { enabled: true, runs: 200 };
const CONTRACTS = ['NVCToken', 'SettlementContract', 'MultiSigWallet'];

const here = __dirname;
const srcDir = path.join(here, 'src');
const buildDir = path.join(here, 'build');

function main() {
  const version = solc.version();
  if (!version.startsWith(SOLC_VERSION + '+')) {
    throw new Error(`solc ${version} found, ${SOLC_VERSION} pinned: run npm ci in contracts/`);
  }
  const sources = {};
  for (const name of CONTRACTS) {
    sources[`${name}.sol`] = { content: fs.readFileSync(path.join(srcDir, `${name}.sol`), 'utf8') };
  }
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      evmVersion: EVM_VERSION,
      optimizer: OPTIMIZER,
      metadata: { bytecodeHash: 'none' },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors || []).filter((e) => e.severity === 'error');
  for (const e of output.errors || []) console.error(e.formattedMessage);
  if (errors.length) process.exit(1);

  const check = process.argv.includes('--check');
  let stale = false;
  fs.mkdirSync(buildDir, { recursive: true });
  for (const name of CONTRACTS) {
    const file = `${name}.sol`;
    const out = output.contracts[file][name];
    const artifact = {
      contractName: name,
      sourceName: `src/${file}`,
      sourceSha256: crypto.createHash('sha256').update(sources[file].content).digest('hex'),
      compiler: { name: 'solcjs', version, evmVersion: EVM_VERSION, optimizer: OPTIMIZER },
      abi: out.abi,
      bytecode: '0x' + out.evm.bytecode.object,
      deployedBytecode: '0x' + out.evm.deployedBytecode.object,
    };
    const text = JSON.stringify(artifact, null, 2) + '\n';
    const target = path.join(buildDir, `${name}.json`);
    if (check) {
      const old = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
      if (old !== text) {
        console.error(`${target} is stale`);
        stale = true;
      }
    } else {
      fs.writeFileSync(target, text);
      console.log(`wrote build/${name}.json (${out.evm.bytecode.object.length / 2} bytes)`);
    }
  }
  if (stale) process.exit(1);
}

main();
